package io.pipewright;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.pipewright.internal.util.Processes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run whose process is killed outright (SIGKILL) mid-way resumes: run again, the steps that completed are reused
 * from the killed run, and the step that was killed mid-write runs again from scratch. The first run happens in a
 * real child JVM running {@link ResumeRunMain}.
 */
class ResumeTest {
  private static final long DEADLINE_MILLIS = TimeUnit.SECONDS.toMillis(60);

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

  private Process startRun() throws IOException {
    return ChildJvm.start(ResumeRunMain.class, log(), ws().toString(), gate().toString());
  }


  private String childOutput() throws IOException {
    return Files.exists(log()) ? Files.readString(log()) : "(no output)";
  }

  /** Waits until another process sees prep and square SUCCEEDED and report RUNNING, half its file written. */
  private Run awaitHalfWritten(Process child) throws Exception {
    long deadline = System.currentTimeMillis() + DEADLINE_MILLIS;
    while (!Files.exists(log()) || !Files.readString(log()).contains("submitted ")) {
      check(child, deadline);
    }
    try (Workspace watcher = Workspace.open(ws())) {
      while (true) {
        List<Run> runs = watcher.runs().list(1);
        if (!runs.isEmpty() && !watcher.runs().logs(runs.get(0).id(), "report").isEmpty()) {
          Run run = watcher.runs().get(runs.get(0).id());
          if (run.step("square").status() == StepStatus.SUCCEEDED) {
            assertThat(run.status()).isEqualTo(RunStatus.RUNNING);
            assertThat(run.step("prep").status()).isEqualTo(StepStatus.SUCCEEDED);
            assertThat(run.step("report").status()).isEqualTo(StepStatus.RUNNING);
            assertThat(run.step("count").status()).isEqualTo(StepStatus.PENDING);
            return run;
          }
        }
        check(child, deadline);
      }
    }
  }

  private void check(Process child, long deadline) throws Exception {
    if (!child.isAlive()) {
      fail("the child process exited with " + child.exitValue() + ":\n" + childOutput());
    }
    if (System.currentTimeMillis() > deadline) {
      fail("the child's run did not reach the report step in time:\n" + childOutput());
    }
    Thread.sleep(25);
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
    Process child = startRun();
    try {
      Run killed = awaitHalfWritten(child);
      Path staging = ws().resolve("tmp").resolve(killed.id());
      List<Path> halfWritten = files(staging).stream().filter(f -> f.endsWith("report.txt")).toList();
      assertThat(halfWritten).singleElement().satisfies(f -> assertThat(f).hasContent(ResumeRunMain.FIRST_HALF));

      child.destroyForcibly(); // SIGKILL: no shutdown hook runs, the run stays RUNNING in the store
      if (!child.waitFor(DEADLINE_MILLIS, TimeUnit.MILLISECONDS)) {
        fail("the child process did not exit:\n" + childOutput());
      }
      Files.writeString(gate(), "open");

      try (Workspace ws = Workspace.builder(ws()).localThreads(2).open()) {
        Run resumed = ws.submit(ResumeRunMain.pipeline(), Map.of("gate", gate().toString())).await();
        Run recovered = ws.runs().get(killed.id());

        String reason = "the process running it (pid " + child.pid() + " on " + Processes.hostName()
            + ") exited before it finished";
        assertThat(recovered.status()).as(childOutput()).isEqualTo(RunStatus.FAILED);
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
      child.destroyForcibly();
    }
  }
}
