package io.pipewright.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pipewright.Fingerprint;
import io.pipewright.Run;
import io.pipewright.RunEvent;
import io.pipewright.RunStatus;
import io.pipewright.StepKind;
import io.pipewright.StepRun;
import io.pipewright.StepStatus;
import io.pipewright.UserException;
import io.pipewright.internal.store.CacheEntry;
import io.pipewright.internal.store.JdbcRunStore;
import io.pipewright.internal.store.KeptFromReuse;
import io.pipewright.internal.store.PlannedRun;
import io.pipewright.internal.store.ReuseMiss;
import io.pipewright.internal.store.StepExecution;
import io.pipewright.spi.RunStoreDatabase;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every run store database must do, as the engine relies on it: extend this class, return a new, empty
 * database from {@link #newDatabase()}, and every test runs against it. Pipewright runs it against the workspace's
 * SQLite file and against PostgreSQL; a {@link io.pipewright.spi.RunStoreProvider} for another database must pass it.
 *
 * <p>It drives the store through core's internal store API (records, events, queries), which this kit ships in
 * lockstep with: use the same Pipewright version for both.
 */
public abstract class RunStoreContract {
  /** A host no live process of which the tests claim; runs of a dead pid on it are abandoned. */
  protected static final String HOST = "contract-host";
  /** Above any pid_max: never alive. */
  protected static final long DEAD_PID = Integer.MAX_VALUE;
  protected static final Instant START = Instant.parse("2024-05-01T10:00:00Z");

  private RunStoreDatabase database;
  private final List<JdbcRunStore> opened = new ArrayList<>();
  /** The store each test starts with. */
  protected JdbcRunStore store;

  /** A new, empty database for one test; it may be opened several times (several stores, as several processes). */
  protected abstract RunStoreDatabase newDatabase() throws Exception;

  @BeforeEach
  void openStore() throws Exception {
    database = newDatabase();
    store = open();
  }

  @AfterEach
  void closeStores() {
    opened.forEach(JdbcRunStore::close);
  }

  /** Another store on this test's database, closed after the test. */
  protected JdbcRunStore open() {
    JdbcRunStore s = JdbcRunStore.open(database);
    opened.add(s);
    return s;
  }

  protected RunStoreDatabase database() {
    return database;
  }

  // ------------------------------------------------------------------------------------------------ helpers

  protected static PlannedRun planned(String runId, String pipeline, Instant at, String host, long pid,
      String... steps) {
    List<PlannedRun.PlannedStep> planned = new ArrayList<>();
    for (String step : steps) {
      planned.add(new PlannedRun.PlannedStep(step, StepKind.PREP, "local"));
    }
    return new PlannedRun(runId, pipeline, at, Map.of("epochs", 3L, "rate", 0.5, "name", "x"), planned, host, pid,
        0);
  }

  protected static Fingerprint fingerprint(int n) {
    return new Fingerprint(String.format("sha256:%064x", n), List.of(new Fingerprint.Component("param:n", "" + n)));
  }

  /** A run of one step that succeeded with this fingerprint, and its cache entry. */
  protected static List<Object> succeededRun(String runId, String pipeline, Instant at, Fingerprint fp) {
    return List.of(planned(runId, pipeline, at, HOST, DEAD_PID, "s"),
        new RunEvent.StepFingerprinted(runId, at, "s", fp, null),
        new RunEvent.StepQueued(runId, at, "s", "local"),
        new RunEvent.StepStarted(runId, at, "s", 1),
        new RunEvent.Metric(runId, at, "s", "accuracy", 0.9),
        new RunEvent.StepSucceeded(runId, at.plusMillis(5), "s", Map.of("out", "objects/" + runId)),
        new CacheEntry(fp.hash(), runId, "s", Map.of("out", "h-" + runId), at.plusMillis(5)),
        new RunEvent.RunFinished(runId, at.plusMillis(6), RunStatus.SUCCEEDED, null));
  }

  // ------------------------------------------------------------------------------------------------ tests

  @Test
  void recordsAPlannedRunWithItsStepsPendingInDeclarationOrder() {
    store.record(List.of(planned("r1", "p", START, HOST, DEAD_PID, "zeta", "alpha", "mid")));

    Run run = store.load("r1").orElseThrow();
    assertEquals("p", run.pipeline());
    assertEquals(RunStatus.RUNNING, run.status());
    assertEquals(START, run.startedAt());
    assertNull(run.finishedAt());
    assertEquals(Map.of("epochs", 3L, "rate", 0.5, "name", "x"), run.parameters());
    assertEquals(List.of("zeta", "alpha", "mid"), run.steps().stream().map(StepRun::name).toList());
    assertTrue(run.steps().stream().allMatch(s -> s.status() == StepStatus.PENDING && s.attempts() == 0));
    assertEquals(List.of("r1"), store.runningRunIds());
    assertTrue(store.load("nope").isEmpty());
  }

  @Test
  void foldsEveryKindOfStepEventIntoItsStep() {
    Instant t = START;
    store.record(List.of(planned("r", "p", t, HOST, DEAD_PID, "ok", "bad", "skip", "cancel", "retried")));
    store.record(List.of(
        new RunEvent.StepQueued("r", t, "ok", "gpu"),
        new RunEvent.StepStarted("r", t.plusMillis(1), "ok", 1)));
    store.record(List.of(new RunEvent.StepSucceeded("r", t.plusMillis(9), "ok", Map.of("model", "objects/ab")),
        new RunEvent.StepStarted("r", t.plusMillis(2), "bad", 1),
        new RunEvent.StepFailed("r", t.plusMillis(3), "bad", 1, "boom", "trace line"),
        new RunEvent.StepSkipped("r", t.plusMillis(3), "skip", "condition false"),
        new RunEvent.StepCancelled("r", t.plusMillis(3), "cancel", "cancelled by user"),
        new RunEvent.StepStarted("r", t.plusMillis(1), "retried", 1),
        new RunEvent.StepRetrying("r", t.plusMillis(2), "retried", 1, java.time.Duration.ZERO, "flaky"),
        new RunEvent.StepStarted("r", t.plusMillis(4), "retried", 2)));
    store.record(List.of(new RunEvent.StepSucceeded("r", t.plusMillis(5), "retried", Map.of()),
        new RunEvent.RunFinished("r", t.plusMillis(10), RunStatus.FAILED, "step 'bad' failed: boom")));

    Run run = store.load("r").orElseThrow();
    assertEquals(RunStatus.FAILED, run.status());
    assertEquals("step 'bad' failed: boom", run.error());
    assertEquals(t.plusMillis(10), run.finishedAt());
    StepRun ok = run.step("ok");
    assertEquals(StepStatus.SUCCEEDED, ok.status());
    assertEquals("gpu", ok.computeTarget());
    assertEquals(t.plusMillis(1), ok.startedAt());
    assertEquals(t.plusMillis(9), ok.finishedAt());
    assertEquals(1, ok.attempts());
    assertEquals(Map.of("model", "objects/ab"), ok.outputs());
    StepRun bad = run.step("bad");
    assertEquals(StepStatus.FAILED, bad.status());
    assertEquals("boom", bad.error());
    assertEquals("trace line", bad.errorTrace());
    assertEquals("condition false", run.step("skip").reason());
    assertEquals(StepStatus.SKIPPED, run.step("skip").status());
    assertEquals(StepStatus.CANCELLED, run.step("cancel").status());
    StepRun retried = run.step("retried");
    assertEquals(StepStatus.SUCCEEDED, retried.status());
    assertEquals(2, retried.attempts());
    assertEquals(t.plusMillis(1), retried.startedAt(), "the first start is kept");
    assertNull(retried.error(), "success clears the error of a failed attempt");
    assertEquals(List.of(), store.runningRunIds());
  }

  @Test
  void keepsLogLinesInTheOrderTheyWereRecordedPerStep() {
    store.record(List.of(planned("r", "p", START, HOST, DEAD_PID, "a", "b")));
    for (int batch = 0; batch < 3; batch++) {
      List<Object> lines = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        // The same instant for all: order must come from recording, not from time.
        lines.add(new RunEvent.Log("r", START, i % 2 == 0 ? "a" : "b", "INFO", "line " + (batch * 50 + i)));
      }
      store.record(lines);
    }

    List<RunEvent.Log> a = store.logs("r", "a");
    assertEquals(75, a.size());
    assertEquals(IntStream.range(0, 150).filter(i -> i % 2 == 0).mapToObj(i -> "line " + i).toList(),
        a.stream().map(RunEvent.Log::message).toList());
    assertEquals("INFO", a.get(0).level());
    assertEquals(List.of(), store.logs("r", "none"));
  }

  @Test
  void keepsTheLatestValueOfAMetricReportedTwiceSortedByName() {
    store.record(List.of(planned("r", "p", START, HOST, DEAD_PID, "s"),
        new RunEvent.Metric("r", START, "s", "loss", 0.5),
        new RunEvent.Metric("r", START, "s", "accuracy", 0.25)));
    store.record(List.of(new RunEvent.Metric("r", START.plusMillis(1), "s", "loss", 0.125)));

    assertEquals(List.of("accuracy", "loss"), new ArrayList<>(store.metrics("r", "s").keySet()));
    assertEquals(Map.of("accuracy", 0.25, "loss", 0.125), store.metrics("r", "s"));
    assertEquals(Map.of("accuracy", 0.25, "loss", 0.125), store.load("r").orElseThrow().step("s").metrics());
    assertEquals(0.1 + 0.2, metricRoundTrip(0.1 + 0.2), "doubles keep every bit");
  }

  private double metricRoundTrip(double value) {
    store.record(List.of(new RunEvent.Metric("r", START, "s", "exact", value)));
    return store.metrics("r", "s").get("exact");
  }

  @Test
  void recordsAFingerprintsComponentsOnceAndFindsStepsByIt() {
    Fingerprint fp = new Fingerprint(fingerprint(7).hash(), List.of(new Fingerprint.Component("code", "c1"),
        new Fingerprint.Component("param:epochs", "30")));
    store.record(List.of(planned("r1", "p", START, HOST, DEAD_PID, "s"),
        new RunEvent.StepFingerprinted("r1", START, "s", fp, null)));
    store.record(List.of(planned("r2", "p", START.plusSeconds(1), HOST, DEAD_PID, "s"),
        new RunEvent.StepFingerprinted("r2", START.plusSeconds(1), "s", fp, "reads the clock")));
    // Another store (another process) records the same fingerprint too.
    open().record(List.of(planned("r3", "p", START.plusSeconds(2), HOST, DEAD_PID, "s"),
        new RunEvent.StepFingerprinted("r3", START.plusSeconds(2), "s", fp, null)));

    assertEquals(fp, store.fingerprint(fp.hash()).orElseThrow());
    assertTrue(store.fingerprint(fingerprint(8).hash()).isEmpty());
    StepExecution r2 = store.stepExecution("r2", "s").orElseThrow();
    assertEquals(fp.hash(), r2.fingerprint());
    assertEquals("reads the clock", r2.notReusable());
    assertEquals(fp.hash(), store.load("r3").orElseThrow().step("s").fingerprint());
    assertTrue(store.stepExecution("r2", "other").isEmpty());
  }

  @Test
  void replacesACacheEntryOfTheSameFingerprintAndRemovesEntriesOnRequest() {
    Fingerprint a = fingerprint(1);
    Fingerprint b = fingerprint(2);
    store.record(succeededRun("r1", "p", START, a));
    store.record(succeededRun("r2", "p", START.plusSeconds(1), b));
    store.record(succeededRun("r3", "p", START.plusSeconds(2), a));

    CacheEntry entry = store.cacheEntry(a.hash()).orElseThrow();
    assertEquals("r3", entry.runId());
    assertEquals("s", entry.step());
    assertEquals(Map.of("out", "h-r3"), entry.outputs());
    assertEquals(START.plusSeconds(2).plusMillis(5), entry.createdAt());
    assertEquals(List.of(b.hash(), a.hash()), store.cacheEntries().stream().map(CacheEntry::fingerprint).toList(),
        "oldest first");

    store.removeCacheEntries(List.of(a.hash()));
    assertTrue(store.cacheEntry(a.hash()).isEmpty());
    assertEquals(List.of(b.hash()), store.cacheEntries().stream().map(CacheEntry::fingerprint).toList());
    store.removeCacheEntries(List.of());
  }

  @Test
  void recordsWhyAStepRanAndWhyItKeptItsOutputsFromReuse() {
    store.record(List.of(planned("r", "p", START, HOST, DEAD_PID, "s", "t"),
        new ReuseMiss("r", "s", ReuseMiss.Reason.OUTPUTS_DAMAGED),
        new KeptFromReuse("r", "t", "2 of 10 partitions failed")));

    StepExecution s = store.stepExecution("r", "s").orElseThrow();
    assertEquals(ReuseMiss.Reason.OUTPUTS_DAMAGED, s.reuseMiss());
    assertNull(s.keptFromReuse());
    StepExecution t = store.stepExecution("r", "t").orElseThrow();
    assertNull(t.reuseMiss());
    assertEquals("2 of 10 partitions failed", t.keptFromReuse());
    assertEquals("p", t.pipeline());
    assertEquals(START, t.runStartedAt());
  }

  @Test
  void findsThePreviousExecutionByStartThenByRecordingOrder() {
    Fingerprint fp = fingerprint(3);
    store.record(succeededRun("b-first", "p", START, fp));
    store.record(succeededRun("a-second", "p", START, fp)); // same millisecond, recorded later
    store.record(succeededRun("c-third", "p", START.plusSeconds(1), fp));
    store.record(List.of(planned("failed", "p", START.plusSeconds(2), HOST, DEAD_PID, "s"),
        new RunEvent.StepFingerprinted("failed", START, "s", fp, null),
        new RunEvent.StepFailed("failed", START, "s", 1, "boom", "")));
    store.record(List.of(planned("now", "p", START.plusSeconds(3), HOST, DEAD_PID, "s")));

    assertEquals("c-third", store.previousExecution("p", "s", "now").orElseThrow().runId());
    assertEquals("a-second", store.previousExecution("p", "s", "c-third").orElseThrow().runId());
    assertEquals("b-first", store.previousExecution("p", "s", "a-second").orElseThrow().runId());
    assertTrue(store.previousExecution("p", "s", "b-first").isEmpty());
    assertTrue(store.previousExecution("other", "s", "now").isEmpty());
    assertEquals("c-third", store.previousExecutionWithFingerprint(fp.hash(), "now").orElseThrow().runId());
    assertTrue(store.previousExecutionWithFingerprint(fingerprint(4).hash(), "now").isEmpty());
  }

  @Test
  void listsRunsNewestFirstUpToTheLimitAndFindsIdsByPrefixInOrder() {
    store.record(List.of(planned("ab1", "p", START, HOST, DEAD_PID)));
    store.record(List.of(planned("ab3", "p", START.plusSeconds(2), HOST, DEAD_PID)));
    store.record(List.of(planned("ab2", "p", START.plusSeconds(2), HOST, DEAD_PID))); // same start, recorded later
    store.record(List.of(planned("cd1", "q", START.plusSeconds(1), HOST, DEAD_PID)));

    assertEquals(List.of("ab2", "ab3", "cd1", "ab1"), store.list(10).stream().map(Run::id).toList());
    assertEquals(List.of("ab2", "ab3"), store.list(2).stream().map(Run::id).toList());
    assertEquals(List.of("ab1", "ab2", "ab3"), store.idsStartingWith("ab", 10));
    assertEquals(List.of("ab1", "ab2"), store.idsStartingWith("ab", 2));
    assertEquals(List.of(), store.idsStartingWith("x", 10));
    assertEquals(List.of("ab1", "ab2", "ab3", "cd1"), store.idsStartingWith("", 10));
  }

  @Test
  void keepsTheFingerprintsOfTheLatestRunsOfEachPipeline() {
    store.record(succeededRun("p1", "p", START, fingerprint(1)));
    store.record(succeededRun("p2", "p", START.plusSeconds(1), fingerprint(2)));
    store.record(succeededRun("q1", "q", START, fingerprint(3)));

    assertEquals(Set.of(fingerprint(2).hash(), fingerprint(3).hash()), store.fingerprintsOfLatestRuns(1));
    assertEquals(Set.of(fingerprint(1).hash(), fingerprint(2).hash(), fingerprint(3).hash()),
        store.fingerprintsOfLatestRuns(2));
  }

  @Test
  void tellsRunningRunsTheirOwnersAndWhereTheirStepsPutOutputs() {
    store.record(List.of(planned("mine", "p", START, HOST, 42, "s"),
        new RunEvent.StepSucceeded("mine", START, "s", Map.of("o", "objects/x"))));
    store.record(List.of(planned("other", "p", START.plusSeconds(1), "elsewhere", 42)));
    store.record(succeededRun("done", "p", START, fingerprint(1)));

    assertEquals(List.of("mine", "other"), store.runningRunIds());
    assertEquals(List.of("mine"), store.runningRunIds(HOST, 42));
    assertEquals(List.of(), store.runningRunIds(HOST, 43));
    assertEquals(List.of("objects/x"), store.outputLocationsOfRunningRuns());
  }

  @Test
  void endsOnlyTheRunsOfDeadProcessesOfThisHost() {
    ProcessHandle self = ProcessHandle.current();
    store.record(List.of(planned("dead", "p", START, HOST, DEAD_PID, "done", "running", "pending"),
        new RunEvent.StepSucceeded("dead", START, "done", Map.of()),
        new RunEvent.StepStarted("dead", START, "running", 1)));
    store.record(List.of(planned("remote", "p", START, "another-host", DEAD_PID, "s")));
    store.record(List.of(new PlannedRun("alive", "p", START, Map.of(), List.of(), HOST, self.pid(),
        io.pipewright.internal.util.Processes.startMillis(self))));
    long now = START.plusSeconds(60).toEpochMilli();

    assertEquals(List.of("dead"), store.recoverAbandoned(HOST, now));

    Run dead = store.load("dead").orElseThrow();
    String reason = "the process running it (pid " + DEAD_PID + " on " + HOST + ") exited before it finished";
    assertEquals(RunStatus.FAILED, dead.status());
    assertEquals(reason, dead.error());
    assertEquals(Instant.ofEpochMilli(now), dead.finishedAt());
    assertEquals(StepStatus.SUCCEEDED, dead.step("done").status());
    assertEquals(StepStatus.CANCELLED, dead.step("running").status());
    assertEquals(reason, dead.step("pending").reason());
    assertEquals(RunStatus.RUNNING, store.load("remote").orElseThrow().status());
    assertEquals(RunStatus.RUNNING, store.load("alive").orElseThrow().status());
    assertEquals(List.of(), open().recoverAbandoned(HOST, now), "recovered once");
  }

  @Test
  void keepsItsRecordsWhenOpenedAgain() {
    store.record(succeededRun("r", "p", START, fingerprint(1)));
    store.close();
    opened.remove(store);

    JdbcRunStore again = open();
    assertEquals(RunStatus.SUCCEEDED, again.load("r").orElseThrow().status());
    assertTrue(again.cacheEntry(fingerprint(1).hash()).isPresent());
  }

  @Test
  void refusesADatabaseWhoseSchemaIsNewerThanThisCode() throws Exception {
    try (Connection c = database().connect(); Statement s = c.createStatement()) {
      s.execute("insert into schema_migrations (version, applied_at) values (99, 0)");
    }

    UserException e = assertThrows(UserException.class, this::open);
    assertTrue(e.getMessage().matches("run store .* has schema version 99, newer than this Pipewright understands"
        + " \\(\\d+\\): upgrade Pipewright"), e.getMessage());
    assertFalse(e.getMessage().toLowerCase(java.util.Locale.ROOT).contains("password="), e.getMessage());
  }

  @Test
  void losesNothingWhenSeveralStoresWriteAtOnce() throws Exception {
    int writers = 4;
    int runsEach = 40;
    List<JdbcRunStore> stores = new ArrayList<>();
    for (int w = 0; w < writers; w++) {
      stores.add(open()); // as many processes, each with its own connections
    }
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        int writer = w;
        done.add(pool.submit(() -> {
          for (int i = 0; i < runsEach; i++) {
            // Every writer records the same fingerprints and cache entries, in a different order: they conflict.
            int shared = writer % 2 == 0 ? i % 10 : 9 - i % 10;
            stores.get(writer).record(succeededRun("w" + writer + "-" + i, "p" + writer,
                START.plusMillis(i), fingerprint(shared)));
            stores.get(writer).record(List.of(new RunEvent.Log("w" + writer + "-" + i, START, "s", "INFO", "hi")));
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }

    assertEquals(writers * runsEach, store.list(1000).size());
    for (int w = 0; w < writers; w++) {
      for (int i = 0; i < runsEach; i++) {
        Run run = store.load("w" + w + "-" + i).orElseThrow();
        assertEquals(RunStatus.SUCCEEDED, run.status());
        assertEquals(StepStatus.SUCCEEDED, run.step("s").status());
        assertEquals(Map.of("accuracy", 0.9), run.step("s").metrics());
        assertEquals(1, store.logs(run.id(), "s").size());
      }
    }
    for (int f = 0; f < 10; f++) {
      assertNotNull(store.fingerprint(fingerprint(f).hash()).orElse(null));
      assertTrue(store.cacheEntry(fingerprint(f).hash()).isPresent());
    }
  }
}
