package io.pipewright;

import static org.assertj.core.api.Assertions.assertThat;

import io.pipewright.internal.util.Processes;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No run is left RUNNING once its process is gone: a process killed outright has its run marked FAILED the next time
 * the workspace is opened, and one asked to stop records its run CANCELLED before it exits. Each test starts a real
 * JVM running {@link SleepingRunMain}.
 */
class ProcessExitTest {

  @TempDir
  Path tmp;

  private Path ws() {
    return tmp.resolve("ws");
  }

  private Path log() {
    return tmp.resolve("child.log");
  }

  private ChildJvm startSleepingRun() throws IOException {
    return ChildJvm.start(SleepingRunMain.class, log(), ws().toString());
  }

  /** Waits until the child's run is RUNNING with its sleeper step mid-way, as another process sees it. */
  private Run awaitSleeping(ChildJvm child) throws Exception {
    Run run = child.awaitRun(ws(), "sleeper", r -> true);
    assertThat(run.status()).isEqualTo(RunStatus.RUNNING);
    assertThat(run.step("sleeper").status()).isEqualTo(StepStatus.RUNNING);
    assertThat(run.step("after").status()).isEqualTo(StepStatus.PENDING);
    return run;
  }

  @Test
  void aRunWhoseProcessWasKilledIsMarkedFailedWhenTheWorkspaceIsNextOpened() throws Exception {
    ChildJvm child = startSleepingRun();
    try {
      Run running = awaitSleeping(child);
      Path staging = ws().resolve("tmp").resolve(running.id());
      assertThat(staging).isDirectory();

      child.process().destroyForcibly(); // SIGKILL: no shutdown hook runs
      child.awaitExit();

      try (Workspace reopened = Workspace.open(ws())) {
        Run run = reopened.runs().get(running.id());
        String reason = "the process running it (pid " + child.process().pid() + " on " + Processes.hostName()
            + ") exited before it finished";
        assertThat(run.status()).as(child.output()).isEqualTo(RunStatus.FAILED);
        assertThat(run.error()).isEqualTo(reason);
        assertThat(run.finishedAt()).isNotNull();
        for (StepRun step : run.steps()) {
          assertThat(step.status()).as(step.name()).isEqualTo(StepStatus.CANCELLED);
          assertThat(step.reason()).as(step.name()).isEqualTo(reason);
          assertThat(step.finishedAt()).as(step.name()).isNotNull();
        }
        assertThat(staging).doesNotExist();
        assertThat(ws().resolve("data").resolve("objects")).as("the half-written output was not stored")
            .doesNotExist();
      }
    } finally {
      child.process().destroyForcibly();
    }
  }

  @Test
  void aProcessAskedToStopRecordsItsRunCancelledBeforeItExits() throws Exception {
    ChildJvm child = startSleepingRun();
    try {
      Run running = awaitSleeping(child);

      child.process().destroy(); // SIGTERM: the shutdown hook cancels the run and records it
      child.awaitExit();

      try (Workspace reopened = Workspace.open(ws())) {
        Run run = reopened.runs().get(running.id());
        assertThat(run.status()).as(child.output()).isEqualTo(RunStatus.CANCELLED);
        assertThat(run.error()).isEqualTo("the process is shutting down");
        assertThat(run.steps()).extracting(StepRun::status).containsOnly(StepStatus.CANCELLED);
        assertThat(run.steps()).extracting(StepRun::reason).containsOnly("the process is shutting down");
        assertThat(ws().resolve("tmp").resolve(run.id())).doesNotExist();
      }
    } finally {
      child.process().destroyForcibly();
    }
  }
}
