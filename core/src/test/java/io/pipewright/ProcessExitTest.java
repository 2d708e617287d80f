package io.pipewright;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.pipewright.internal.util.Processes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No run is left RUNNING once its process is gone: a process killed outright has its run marked FAILED the next time
 * the workspace is opened, and one asked to stop records its run CANCELLED before it exits. Each test starts a real
 * JVM running {@link SleepingRunMain}.
 */
class ProcessExitTest {
  private static final long DEADLINE_MILLIS = TimeUnit.SECONDS.toMillis(60);

  @TempDir
  Path tmp;

  private Path ws() {
    return tmp.resolve("ws");
  }

  private Path log() {
    return tmp.resolve("child.log");
  }

  private Process startSleepingRun() throws IOException {
    return ChildJvm.start(SleepingRunMain.class, log(), ws().toString());
  }


  private String childOutput() throws IOException {
    return Files.exists(log()) ? Files.readString(log()) : "(no output)";
  }

  /** Waits until the child's run is RUNNING with its sleeper step mid-way, as another process sees it. */
  private Run awaitSleeping(Process child) throws Exception {
    long deadline = System.currentTimeMillis() + DEADLINE_MILLIS;
    while (!SleepingRunMain.submitted(log())) {
      check(child, deadline);
    }
    try (Workspace watcher = Workspace.open(ws())) {
      while (true) {
        List<Run> runs = watcher.runs().list(1);
        if (!runs.isEmpty() && !watcher.runs().logs(runs.get(0).id(), "sleeper").isEmpty()) {
          Run run = watcher.runs().get(runs.get(0).id());
          assertThat(run.status()).isEqualTo(RunStatus.RUNNING);
          assertThat(run.step("sleeper").status()).isEqualTo(StepStatus.RUNNING);
          assertThat(run.step("after").status()).isEqualTo(StepStatus.PENDING);
          return run;
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
      fail("the child's run did not start in time:\n" + childOutput());
    }
    Thread.sleep(25);
  }

  private void awaitExit(Process child) throws Exception {
    if (!child.waitFor(DEADLINE_MILLIS, TimeUnit.MILLISECONDS)) {
      child.destroyForcibly();
      fail("the child process did not exit:\n" + childOutput());
    }
  }

  @Test
  void aRunWhoseProcessWasKilledIsMarkedFailedWhenTheWorkspaceIsNextOpened() throws Exception {
    Process child = startSleepingRun();
    try {
      Run running = awaitSleeping(child);
      Path staging = ws().resolve("tmp").resolve(running.id());
      assertThat(staging).isDirectory();

      child.destroyForcibly(); // SIGKILL: no shutdown hook runs
      awaitExit(child);

      try (Workspace reopened = Workspace.open(ws())) {
        Run run = reopened.runs().get(running.id());
        String reason = "the process running it (pid " + child.pid() + " on " + Processes.hostName()
            + ") exited before it finished";
        assertThat(run.status()).as(childOutput()).isEqualTo(RunStatus.FAILED);
        assertThat(run.error()).isEqualTo(reason);
        assertThat(run.finishedAt()).isNotNull();
        for (StepRun step : run.steps()) {
          assertThat(step.status()).as(step.name()).isEqualTo(StepStatus.CANCELLED);
          assertThat(step.reason()).as(step.name()).isEqualTo(reason);
          assertThat(step.finishedAt()).as(step.name()).isNotNull();
        }
        assertThat(staging).doesNotExist();
        assertThat(ws().resolve("data").resolve("runs").resolve(run.id()).resolve("sleeper").resolve("out.json"))
            .doesNotExist();
      }
    } finally {
      child.destroyForcibly();
    }
  }

  @Test
  void aProcessAskedToStopRecordsItsRunCancelledBeforeItExits() throws Exception {
    Process child = startSleepingRun();
    try {
      Run running = awaitSleeping(child);

      child.destroy(); // SIGTERM: the shutdown hook cancels the run and records it
      awaitExit(child);

      try (Workspace reopened = Workspace.open(ws())) {
        Run run = reopened.runs().get(running.id());
        assertThat(run.status()).as(childOutput()).isEqualTo(RunStatus.CANCELLED);
        assertThat(run.error()).isEqualTo("the process is shutting down");
        assertThat(run.steps()).extracting(StepRun::status).containsOnly(StepStatus.CANCELLED);
        assertThat(run.steps()).extracting(StepRun::reason).containsOnly("the process is shutting down");
        assertThat(ws().resolve("tmp").resolve(run.id())).doesNotExist();
      }
    } finally {
      child.destroyForcibly();
    }
  }
}
