package io.pipewright.steps;

import static org.assertj.core.api.Assertions.assertThat;

import io.pipewright.Dataset;
import io.pipewright.Pipeline;
import io.pipewright.Run;
import io.pipewright.RunEvent;
import io.pipewright.RunStatus;
import io.pipewright.StepStatus;
import io.pipewright.Workspace;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * A script step in a child JVM (the {@code process} target), on this machine and as on another one (through the
 * workspace's datastore only): the script runs in a snapshot of its source folder sent with the step, and the step is
 * reused wherever it ran.
 */
class ScriptOutOfProcessTest {
  @TempDir
  Path dir;

  @ParameterizedTest(name = "viaDatastore={0}")
  @ValueSource(booleans = {false, true})
  void runsAScriptStepInAChildJvmWithItsSourceFolder(boolean viaDatastore) throws Exception {
    Path src = Files.createDirectories(dir.resolve("src"));
    Files.writeString(src.resolve("count.sh"), """
        rows=$(($(wc -l < "$1") - 1))
        echo "counted $rows rows in $(basename "$PWD")"
        echo "$rows" > "$2/rows.txt"
        """);
    Path raw = Files.writeString(dir.resolve("raw.csv"), "x\n1\n2\n3\n");
    Path config = Files.writeString(dir.resolve("config.json"), "{\"targets\": {\"proc\": {\"type\": \"process\","
        + " \"viaDatastore\": " + viaDatastore + ", \"jvmOptions\": [\"-XX:TieredStopAtLevel=1\"]}}}");
    Pipeline p = Pipeline.named("scripted");
    p.prep("count").on("proc").input("raw", raw).produces("counted", Dataset.class)
        .runs(Script.bash("count.sh", "{input:raw}", "{output:counted}").sourceFolder(src));

    try (Workspace ws = Workspace.builder(dir.resolve("ws")).config(config)
        .datastore(dir.resolve("datastore").toString()).open()) {
      Run run = ws.submit(p).await();

      assertThat(run.status()).as(String.valueOf(run)).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(Path.of(run.step("count").outputs().get("counted")).resolve("rows.txt")).hasContent("3");
      assertThat(ws.runs().logs(run.id(), "count")).extracting(RunEvent.Log::message)
          .anyMatch(line -> line.startsWith("counted 3 rows in "));

      Files.writeString(src.resolve("count.sh"), Files.readString(src.resolve("count.sh")) + "# changed\n");
      Run again = ws.submit(p).await();
      assertThat(again.step("count").status()).as("the source folder changed").isEqualTo(StepStatus.SUCCEEDED);
      assertThat(ws.submit(p).await().step("count").status()).isEqualTo(StepStatus.REUSED);
    }
  }
}
