package io.pipewright;

import static org.assertj.core.api.Assertions.assertThat;

import io.pipewright.internal.util.Processes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run whose process is killed outright (SIGKILL) mid-way resumes: run again, the steps that completed are reused
 * from the killed run, and the step that was killed mid-write runs again from scratch. The first run happens in a
 * real child JVM running {@link ResumeRunMain}.
 */
class ResumeTest {

  @TempDir
  Path tmp;

  private Path ws() {
    return tmp.resolve("ws");
  }

  private Path gate() {
    return tmp.resolve("gate");
  }

  private Path log() {
    return tmp.resolve("child.log");
  }

  private ChildJvm startRun() throws IOException {
    return ChildJvm.start(ResumeRunMain.class, log(), ws().toString(), gate().toString());
  }

  /** Waits until another process sees prep and square SUCCEEDED and report RUNNING, half its file written. */
  private Run awaitHalfWritten(ChildJvm child) throws Exception {
    Run run = child.awaitRun(ws(), "report", r -> r.step("square").status() == StepStatus.SUCCEEDED);
    assertThat(run.status()).isEqualTo(RunStatus.RUNNING);
    assertThat(run.step("prep").status()).isEqualTo(StepStatus.SUCCEEDED);
    assertThat(run.step("report").status()).isEqualTo(StepStatus.RUNNING);
    assertThat(run.step("count").status()).isEqualTo(StepStatus.PENDING);
    return run;
  }

  private static List<Path> files(Path root) throws IOException {
    if (!Files.exists(root)) {
      return List.of();
    }
    try (Stream<Path> paths = Files.walk(root)) {
      return paths.filter(Files::isRegularFile).toList();
    }
  }

  @Test
  void aRunKilledMidStepResumesReusingTheCompletedStepsAndRunningTheKilledOneAgain() throws Exception {
    ChildJvm child = startRun();
    try {
      Run killed = awaitHalfWritten(child);
      Path staging = ws().resolve("tmp").resolve(killed.id());
      List<Path> halfWritten = files(staging).stream().filter(f -> f.endsWith("report.txt")).toList();
      assertThat(halfWritten).singleElement().satisfies(f -> assertThat(f).hasContent(ResumeRunMain.FIRST_HALF));

      child.process().destroyForcibly(); // SIGKILL: no shutdown hook runs, the run stays RUNNING in the store
      child.awaitExit();
      Files.writeString(gate(), "open");

      try (Workspace ws = Workspace.builder(ws()).localThreads(2).open()) {
        Run resumed = ws.submit(ResumeRunMain.pipeline(), Map.of("gate", gate().toString())).await();
        Run recovered = ws.runs().get(killed.id());

        String reason = "the process running it (pid " + child.process().pid() + " on " + Processes.hostName()
            + ") exited before it finished";
        assertThat(recovered.status()).as(child.output()).isEqualTo(RunStatus.FAILED);
        assertThat(recovered.error()).isEqualTo(reason);
        assertThat(recovered.step("prep").status()).isEqualTo(StepStatus.SUCCEEDED);
        assertThat(recovered.step("square").status()).isEqualTo(StepStatus.SUCCEEDED);
        assertThat(recovered.step("report").status()).isEqualTo(StepStatus.CANCELLED);
        assertThat(recovered.step("report").reason()).isEqualTo(reason);
        assertThat(recovered.step("count").status()).isEqualTo(StepStatus.CANCELLED);

        assertThat(resumed.status()).as(resumed.toString()).isEqualTo(RunStatus.SUCCEEDED);
        for (String step : List.of("prep", "square")) {
          assertThat(resumed.step(step).status()).as(step).isEqualTo(StepStatus.REUSED);
          assertThat(resumed.step(step).reusedFrom()).as(step).isEqualTo(killed.id());
          assertThat(resumed.step(step).fingerprint()).as(step).isEqualTo(recovered.step(step).fingerprint());
          assertThat(resumed.step(step).outputs()).as(step).isEqualTo(recovered.step(step).outputs());
          assertThat(ResumeRunMain.executions(step)).as(step).isZero();
        }
        assertThat(resumed.step("report").status()).isEqualTo(StepStatus.SUCCEEDED);
        assertThat(resumed.step("report").reusedFrom()).isNull();
        assertThat(resumed.step("count").status()).isEqualTo(StepStatus.SUCCEEDED);
        assertThat(ResumeRunMain.executions("report")).isEqualTo(1);
        assertThat(Path.of(resumed.step("report").outputs().get("report")).resolve("report.txt"))
            .hasContent(ResumeRunMain.FIRST_HALF + ResumeRunMain.SECOND_HALF);
        assertThat(ws.runs().get(resumed.id()).step("count").status()).isEqualTo(StepStatus.SUCCEEDED);

        // Nothing of the killed step's half-written file survived: not its staging, not a stored copy.
        assertThat(staging).doesNotExist();
        assertThat(files(ws().resolve("data").resolve("objects")))
            .filteredOn(f -> f.endsWith("report.txt"))
            .singleElement()
            .satisfies(f -> assertThat(f).hasContent(ResumeRunMain.FIRST_HALF + ResumeRunMain.SECOND_HALF));
      }
    } finally {
      child.process().destroyForcibly();
    }
  }
}
