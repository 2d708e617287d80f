package io.pipewright.steps;

import static io.pipewright.steps.ScriptTest.source;
import static org.assertj.core.api.Assertions.assertThat;

import io.pipewright.Dataset;
import io.pipewright.Pipeline;
import io.pipewright.Run;
import io.pipewright.RunOptions;
import io.pipewright.RunStatus;
import io.pipewright.StepStatus;
import io.pipewright.Workspace;
import io.pipewright.testing.PipewrightExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Which changes run a script step again, against a real workspace. */
@ExtendWith(PipewrightExtension.class)
class ScriptReuseTest {
  @TempDir
  Path dir;

  private Pipeline pipeline(Path src, Script script) {
    Pipeline p = Pipeline.named("reuse").parameter("n", 5).parameter("unrelated", "a");
    p.prep("prep").produces("out", Dataset.class).uses("n").runs(script.sourceFolder(src));
    return p;
  }

  private static Script script() {
    return Script.bash("uses_lib.sh", "{output:out}", "{param:n}");
  }

  private static StepStatus status(Workspace ws, Pipeline p, RunOptions options) {
    return run(ws, p, options).step("prep").status();
  }

  private static Run run(Workspace ws, Pipeline p, RunOptions options) {
    Run run = ws.submit(p, options).await();
    assertThat(run.status()).as(String.valueOf(run)).isEqualTo(RunStatus.SUCCEEDED);
    return run;
  }

  @Test
  void reusesAnUnchangedScriptAndOnlyWhenNothingItDependsOnChanged(Workspace ws) throws IOException {
    Path src = source(dir.resolve("src"), "uses_lib.sh", "lib.sh");
    Pipeline p = pipeline(src, script());
    RunOptions defaults = RunOptions.defaults();

    assertThat(status(ws, p, defaults)).isEqualTo(StepStatus.SUCCEEDED);
    assertThat(status(ws, p, defaults)).isEqualTo(StepStatus.REUSED);
    assertThat(status(ws, p, defaults.param("unrelated", "b"))).as("a parameter it does not use")
        .isEqualTo(StepStatus.REUSED);
    assertThat(status(ws, p, defaults.param("n", 6))).as("a parameter it uses").isEqualTo(StepStatus.SUCCEEDED);

    Files.writeString(src.resolve("lib.sh"), "SCALE=3\n"); // a file beside the script, not the script itself
    Run edited = run(ws, p, defaults);
    assertThat(edited.step("prep").status()).as("a file in the source folder").isEqualTo(StepStatus.SUCCEEDED);
    assertThat(Path.of(edited.step("prep").outputs().get("out")).resolve("n.txt")).hasContent("15");
    assertThat(status(ws, p, defaults)).isEqualTo(StepStatus.REUSED);
  }

  @Test
  void runsAgainWhenTheArgumentsOrVariablesChangeButNotWhenTheFolderMoves(Workspace ws) throws IOException {
    Path src = source(dir.resolve("src"), "uses_lib.sh", "lib.sh");
    Path moved = source(dir.resolve("elsewhere"), "uses_lib.sh", "lib.sh");
    RunOptions defaults = RunOptions.defaults();

    assertThat(status(ws, pipeline(src, script()), defaults)).isEqualTo(StepStatus.SUCCEEDED);
    assertThat(status(ws, pipeline(moved, script()), defaults)).as("same content elsewhere")
        .isEqualTo(StepStatus.REUSED);
    assertThat(status(ws, pipeline(src, script().env("SEED", "1")), defaults)).as("a variable")
        .isEqualTo(StepStatus.SUCCEEDED);
    assertThat(status(ws, pipeline(src, Script.bash("uses_lib.sh", "{output:out}", "{param:n}", "extra")),
        defaults)).as("an argument").isEqualTo(StepStatus.SUCCEEDED);
  }
}
