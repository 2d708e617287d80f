package io.pipewright.internal.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.pipewright.Run;
import io.pipewright.RunEvent;
import io.pipewright.RunStatus;
import io.pipewright.StepKind;
import io.pipewright.StepStatus;
import io.pipewright.internal.util.Processes;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which runs the store treats as abandoned: only those of this host whose owning process is gone. */
class JdbcRunStoreTest {
  private static final String HOST = "this-host";
  private static final long DEAD_PID = Integer.MAX_VALUE; // above any pid_max
  private static final Instant START = Instant.parse("2024-05-01T10:00:00Z");

  @TempDir
  Path tmp;

  private JdbcRunStore store;

  @BeforeEach
  void open() {
    store = JdbcRunStore.openSqlite(tmp.resolve("pipewright.db"));
  }

  @AfterEach
  void close() {
    store.close();
  }

  private void plan(String runId, String host, long pid, long pidStart) {
    store.record(List.of(new PlannedRun(runId, "p", START, Map.of(), List.of(
        new PlannedRun.PlannedStep("done", StepKind.PREP, "local"),
        new PlannedRun.PlannedStep("running", StepKind.TRAIN, "local"),
        new PlannedRun.PlannedStep("pending", StepKind.EVALUATE, "local")), host, pid, pidStart),
        new RunEvent.StepStarted(runId, START, "done", 1),
        new RunEvent.StepSucceeded(runId, START.plusSeconds(1), "done", Map.of()),
        new RunEvent.StepStarted(runId, START.plusSeconds(1), "running", 1)));
  }

  private Run load(String runId) {
    return store.load(runId).orElseThrow();
  }

  @Test
  void endsARunOfThisHostWhoseProcessIsGoneAndCancelsItsUnfinishedSteps() {
    plan("dead", HOST, DEAD_PID, 0);
    long now = START.plusSeconds(60).toEpochMilli();

    assertThat(store.recoverAbandoned(HOST, now)).containsExactly("dead");

    Run run = load("dead");
    String reason = "the process running it (pid " + DEAD_PID + " on " + HOST + ") exited before it finished";
    assertThat(run.status()).isEqualTo(RunStatus.FAILED);
    assertThat(run.error()).isEqualTo(reason);
    assertThat(run.finishedAt()).isEqualTo(Instant.ofEpochMilli(now));
    assertThat(run.step("done").status()).isEqualTo(StepStatus.SUCCEEDED);
    assertThat(run.step("done").reason()).isNull();
    assertThat(run.step("running").status()).isEqualTo(StepStatus.CANCELLED);
    assertThat(run.step("running").reason()).isEqualTo(reason);
    assertThat(run.step("pending").status()).isEqualTo(StepStatus.CANCELLED);
    assertThat(store.recoverAbandoned(HOST, now)).isEmpty();
  }

  @Test
  void leavesTheRunsOfALiveProcessAlone() {
    ProcessHandle self = ProcessHandle.current();
    plan("alive", HOST, self.pid(), Processes.startMillis(self));

    assertThat(store.recoverAbandoned(HOST, START.toEpochMilli())).isEmpty();
    assertThat(load("alive").status()).isEqualTo(RunStatus.RUNNING);
  }

  @Test
  void treatsALivePidThatStartedAtAnotherTimeAsAnotherProcess() {
    ProcessHandle self = ProcessHandle.current();
    long startedEarlier = Processes.startMillis(self) - 3_600_000; // the pid was reused since the run's owner died
    plan("reused", HOST, self.pid(), startedEarlier);

    assertThat(store.recoverAbandoned(HOST, START.toEpochMilli())).containsExactly("reused");
    assertThat(load("reused").status()).isEqualTo(RunStatus.FAILED);
  }

  @Test
  void neverEndsTheRunsOfAnotherHost() {
    plan("remote", "another-host", DEAD_PID, 0);

    assertThat(store.recoverAbandoned(HOST, START.toEpochMilli())).isEmpty();
    assertThat(load("remote").status()).isEqualTo(RunStatus.RUNNING);
  }

  @Test
  void leavesFinishedRunsAlone() {
    plan("finished", HOST, DEAD_PID, 0);
    store.record(List.of(new RunEvent.RunFinished("finished", START.plusSeconds(5), RunStatus.SUCCEEDED, null)));

    assertThat(store.recoverAbandoned(HOST, START.toEpochMilli())).isEmpty();
    assertThat(load("finished").status()).isEqualTo(RunStatus.SUCCEEDED);
  }
}
