package io.pipewright;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The workspace folder and its run store, read back as a later process would: through a new Workspace. */
class WorkspaceTest {
  @TempDir
  Path tmp;

  private Path dir() {
    return tmp.resolve("ws");
  }

  /** A millisecond clock, the store's resolution, so that a run read back can equal the run as it ended. */
  private static Clock millis() {
    return Clock.tick(Clock.systemUTC(), Duration.ofMillis(1));
  }

  @Test
  void opensAFolderCreatingItsLayout() {
    Path dir = tmp.resolve("a").resolve("b").resolve(".pipewright");
    try (Workspace ws = Workspace.open(dir)) {
      assertThat(ws.dir()).isEqualTo(dir.toAbsolutePath());
      assertThat(ws.targets()).containsExactly("local");
      assertThat(ws.toString()).isEqualTo("Workspace " + dir.toAbsolutePath() + " (targets: local)");
    }
    assertThat(dir.resolve("pipewright.db")).isRegularFile();
    assertThat(dir.resolve("data")).isDirectory();
    assertThat(dir.resolve("tmp")).isDirectory();
  }

  @Test
  void listsTheComputeTargetsInTheOrderTheyWereConfigured() {
    Workspace.Builder builder = Workspace.builder(dir());
    List<String> names = List.of("spark", "gpu", "k8s", "batch", "a100", "cpu-big");
    for (String name : names) {
      builder.target(name, new FixedCapacityTarget(new io.pipewright.spi.Capacity(1, 0, 0, 1)));
    }
    try (Workspace ws = builder.open()) {
      assertThat(ws.targets()).containsExactly("local", "spark", "gpu", "k8s", "batch", "a100", "cpu-big");
      assertThat(ws.toString()).endsWith("(targets: local, spark, gpu, k8s, batch, a100, cpu-big)");
    }
  }

  @Test
  void refusesAPathThatIsARegularFile() throws Exception {
    Path file = Files.writeString(tmp.resolve("notes.txt"), "not a workspace");

    assertThatThrownBy(() -> Workspace.open(file)).isInstanceOf(UserException.class)
        .hasMessage("workspace " + file.toAbsolutePath() + " is a file, not a folder: give a folder with --workspace");
    assertThat(file).hasContent("not a workspace");
  }

  @Test
  void refusesAPathBelowARegularFileNamingThatFile() throws Exception {
    Path file = Files.writeString(tmp.resolve("notes.txt"), "not a folder");
    Path below = file.resolve("ws");

    assertThatThrownBy(() -> Workspace.open(below)).isInstanceOf(UserException.class)
        .hasMessage("cannot create workspace " + below.toAbsolutePath() + ": " + file.toAbsolutePath()
            + " is a file");
  }

  @Test
  void aTemporaryWorkspaceIsDeletedOnClose() {
    Path dir;
    try (Workspace ws = Workspace.temporary()) {
      dir = ws.dir();
      Pipeline p = Pipeline.named("p");
      p.step("a").produces("n", Long.class).runs(ctx -> ctx.write("n", 1L));
      assertThat(ws.submit(p).await().status()).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(dir).isDirectory();
    }
    assertThat(dir).doesNotExist();
  }

  @Test
  void closingTwiceIsHarmless() {
    Workspace ws = Workspace.open(dir());
    ws.close();
    ws.close();
  }

  @Test
  void recordsARunAndItsStepsExactlyAsTheyEnded() {
    Pipeline p = Pipeline.named("digits").parameter("epochs", 20).parameter("lr", 0.1).parameter("name", "cnn")
        .parameter("shuffle", true);
    Step prep = p.prep("prep").produces("rows", Dataset.class).produces("count", Long.class).uses("epochs")
        .runs(ctx -> {
          Files.writeString(ctx.outputDir("rows").resolve("r.csv"), "1\n");
          ctx.write("count", 1L);
          ctx.metric("rows", 1);
          ctx.log().info("prepared {} rows", 1);
          ctx.log().warn("few rows");
        });
    Step train = p.train("train").input("rows", prep.dataset("rows")).produces("model", Model.class)
        .uses("lr", "name", "shuffle").runs(ctx -> {
          throw new IllegalStateException("diverged at epoch 3");
        });
    p.evaluate("eval").input("model", train.model("model")).runs(ctx -> {});
    p.step("side").runs(ctx -> {});

    Run ended;
    try (Workspace ws = Workspace.builder(dir()).clock(millis()).open()) {
      ended = ws.submit(p, Map.of("epochs", "30")).await();
    }

    try (Workspace later = Workspace.open(dir())) {
      Run stored = later.runs().get(ended.id());

      assertThat(stored).usingRecursiveComparison().isEqualTo(ended);
      assertThat(stored.pipeline()).isEqualTo("digits");
      assertThat(stored.status()).isEqualTo(RunStatus.FAILED);
      assertThat(stored.parameters()).isEqualTo(Map.of("epochs", 30L, "lr", 0.1, "name", "cnn", "shuffle", true));
      assertThat(stored.finishedAt()).isAfterOrEqualTo(stored.startedAt());
      assertThat(stored.error()).isEqualTo("step 'train' failed: IllegalStateException: diverged at epoch 3");
      assertThat(stored.steps()).extracting(StepRun::name).containsExactly("prep", "train", "eval", "side");
      StepRun prepRun = stored.step("prep");
      assertThat(prepRun.kind()).isEqualTo(StepKind.PREP);
      assertThat(prepRun.status()).isEqualTo(StepStatus.SUCCEEDED);
      assertThat(prepRun.computeTarget()).isEqualTo("local");
      assertThat(prepRun.attempts()).isEqualTo(1);
      assertThat(prepRun.startedAt()).isNotNull();
      assertThat(prepRun.duration()).isPresent();
      assertThat(prepRun.outputs()).containsOnlyKeys("rows", "count");
      assertThat(Path.of(prepRun.outputs().get("rows")).resolve("r.csv")).hasContent("1\n");
      assertThat(prepRun.metrics()).isEqualTo(Map.of("rows", 1.0));
      StepRun trainRun = stored.step("train");
      assertThat(trainRun.status()).isEqualTo(StepStatus.FAILED);
      assertThat(trainRun.error()).isEqualTo("IllegalStateException: diverged at epoch 3");
      assertThat(trainRun.errorTrace()).startsWith("java.lang.IllegalStateException: diverged at epoch 3");
      assertThat(stored.step("eval").status()).isEqualTo(StepStatus.SKIPPED);
      assertThat(stored.step("eval").reason()).isEqualTo("upstream step 'train' failed");
      assertThat(stored.step("eval").startedAt()).isNull();
      assertThat(stored.step("side").status()).isEqualTo(StepStatus.SUCCEEDED);

      assertThat(later.runs().logs(ended.shortId(), "prep"))
          .extracting(RunEvent.Log::level, RunEvent.Log::message)
          .containsExactly(tuple("INFO", "prepared 1 rows"),
              tuple("WARN", "few rows"));
      assertThat(later.runs().logs(ended.id(), "side")).isEmpty();
    }
  }

  @Test
  void recordsTimedOutAndCancelledStepsExactlyAsTheyEnded() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    Pipeline p = Pipeline.named("p");
    p.step("slow").timeout(Duration.ofMillis(100)).runs(ctx -> Thread.sleep(60_000));
    Pipeline q = Pipeline.named("q");
    q.step("blocked").runs(ctx -> {
      started.countDown();
      Thread.sleep(60_000);
    });
    q.step("waiting").runs(ctx -> {});

    Run timedOut;
    Run cancelled;
    try (Workspace ws = Workspace.builder(dir()).clock(millis()).localThreads(1).open()) {
      timedOut = ws.submit(p).await();
      RunHandle handle = ws.submit(q);
      assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
      handle.cancel();
      cancelled = handle.await();
    }

    try (Workspace later = Workspace.open(dir())) {
      assertThat(later.runs().get(timedOut.id())).usingRecursiveComparison().isEqualTo(timedOut);
      assertThat(later.runs().get(cancelled.id())).usingRecursiveComparison().isEqualTo(cancelled);
    }
  }

  @Test
  void usesTheGivenClockForRunAndStepTimes() {
    Instant fixed = Instant.parse("2024-05-01T10:15:30Z");
    Pipeline p = Pipeline.named("p");
    p.step("a").runs(ctx -> {});

    try (Workspace ws = Workspace.builder(dir()).clock(Clock.fixed(fixed, ZoneOffset.UTC)).open()) {
      Run run = ws.submit(p).await();

      assertThat(run.startedAt()).isEqualTo(fixed);
      assertThat(run.finishedAt()).isEqualTo(fixed);
      assertThat(run.step("a").startedAt()).isEqualTo(fixed);
      assertThat(ws.runs().get(run.id()).step("a").finishedAt()).isEqualTo(fixed);
    }
  }

  @Test
  void listsRunsNewestFirstUpToTheLimit() {
    List<String> ids = new ArrayList<>();
    try (Workspace ws = Workspace.open(dir())) {
      for (int i = 0; i < 3; i++) {
        Pipeline p = Pipeline.named("p" + i);
        ids.add(ws.submit(p).await().id());
      }

      assertThat(ws.runs().list(10)).extracting(Run::id).containsExactly(ids.get(2), ids.get(1), ids.get(0));
      assertThat(ws.runs().list(2)).extracting(Run::pipeline).containsExactly("p2", "p1");
      assertThatThrownBy(() -> ws.runs().list(0)).isInstanceOf(IllegalArgumentException.class)
          .hasMessage("limit must be >= 1, was 0");
    }
  }

  @Test
  void findsARunByAUniquePrefixOfItsId() {
    try (Workspace ws = Workspace.open(dir())) {
      Run run = ws.submit(Pipeline.named("p")).await();

      assertThat(run.id()).matches("[0-9a-f]{32}");
      assertThat(run.shortId()).isEqualTo(run.id().substring(0, 8));
      assertThat(ws.runs().get(run.shortId()).id()).isEqualTo(run.id());
      assertThat(ws.runs().get(run.id()).id()).isEqualTo(run.id());
      assertThat(ws.runs().find(run.id().substring(0, 5))).map(Run::id).contains(run.id());
      assertThat(ws.runs().find("zzzz")).isEmpty();
    }
  }

  @Test
  void anUnknownOrMissingRunIdIsAUserError() {
    try (Workspace ws = Workspace.open(dir())) {
      assertThatThrownBy(() -> ws.runs().get("zzzz")).isInstanceOf(UserException.class)
          .hasMessage("no run 'zzzz' in workspace " + ws.dir() + " (see: pipewright runs)");
      assertThatThrownBy(() -> ws.runs().get(" ")).isInstanceOf(UserException.class)
          .hasMessage("give a run id (see: pipewright runs)");
      assertThatThrownBy(() -> ws.runs().logs("zzzz", "a")).isInstanceOf(UserException.class)
          .hasMessage("no run 'zzzz' in workspace " + ws.dir() + " (see: pipewright runs)");
    }
  }

  @Test
  void anAmbiguousRunIdPrefixIsAUserErrorListingTheCandidates() {
    try (Workspace ws = Workspace.open(dir())) {
      Map<Character, List<String>> byFirst = new TreeMap<>();
      String prefix = null;
      while (prefix == null) { // a run id is random: 17 runs always share a first hex digit
        String id = ws.submit(Pipeline.named("p")).await().id();
        List<String> same = byFirst.computeIfAbsent(id.charAt(0), c -> new ArrayList<>());
        same.add(id);
        if (same.size() == 2) {
          prefix = id.substring(0, 1);
        }
      }
      List<String> candidates = byFirst.get(prefix.charAt(0)).stream().sorted().toList();

      String p = prefix;
      assertThatThrownBy(() -> ws.runs().get(p)).isInstanceOf(UserException.class)
          .hasMessage("run id '" + p + "' is ambiguous: it starts " + candidates.get(0).substring(0, 12) + ", "
              + candidates.get(1).substring(0, 12) + " -- give more characters");
      assertThat(ws.runs().find(p)).isEmpty();
      assertThat(ws.runs().get(candidates.get(0).substring(0, 8)).id()).isEqualTo(candidates.get(0));
    }
  }

  @Test
  void askingForTheLogsOfAStepTheRunDoesNotHaveIsAUserError() {
    Pipeline p = Pipeline.named("p");
    p.step("train").runs(ctx -> {});
    p.step("eval").runs(ctx -> {});

    try (Workspace ws = Workspace.open(dir())) {
      Run run = ws.submit(p).await();

      assertThatThrownBy(() -> ws.runs().logs(run.id(), "trian")).isInstanceOf(UserException.class)
          .hasMessage("run " + run.shortId() + " has no step 'trian' (steps: train, eval)");
    }
  }

  @Test
  void aSecondWorkspaceInTheSameProcessLeavesTheFirstOnesRunningRunAlone() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Pipeline p = Pipeline.named("p");
    p.step("a").runs(ctx -> {
      started.countDown();
      release.await();
    });
    p.step("b").runs(ctx -> {});

    try (Workspace first = Workspace.builder(dir()).localThreads(1).open()) {
      RunHandle handle = first.submit(p);
      assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

      try (Workspace second = Workspace.open(dir())) {
        Run seen = second.runs().get(handle.id());
        assertThat(seen.status()).isEqualTo(RunStatus.RUNNING);
        assertThat(seen.finishedAt()).isNull();
        assertThat(seen.error()).isNull();
      }
      try (Workspace third = Workspace.open(dir())) {
        assertThat(third.runs().get(handle.id()).status()).isEqualTo(RunStatus.RUNNING);
      }
      release.countDown();
      Run run = handle.await();

      assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(first.runs().get(run.id()).status()).isEqualTo(RunStatus.SUCCEEDED);
    }
  }

  @Test
  void aRunStoreLockedByAnotherProcessBeyondTheTimeoutIsOneClearError() throws Exception {
    Workspace.open(dir()).close();
    Path db = dir().toAbsolutePath().resolve("pipewright.db");
    try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = other.createStatement()) {
      s.execute("begin exclusive"); // as another process busy writing would hold it

      assertThatThrownBy(() -> Workspace.open(dir())).isInstanceOf(UserException.class)
          .hasMessage("run store " + db + " is locked by another process, still after 10 s: try again once it is"
              + " done");
      s.execute("rollback");
    }
    Workspace.open(dir()).close(); // and usable again once the lock is gone
  }

  @Test
  void aRunWaitsForAStoreLockedByAnotherProcessAndRecordsEverything() throws Exception {
    Pipeline p = Pipeline.named("p");
    p.step("a").produces("n", Long.class).runs(ctx -> ctx.write("n", 1L));
    try (Workspace ws = Workspace.open(dir())) {
      Path db = dir().toAbsolutePath().resolve("pipewright.db");
      try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + db);
          Statement s = other.createStatement()) {
        s.execute("begin exclusive");
        RunHandle handle = ws.submit(p);
        // Held past one busy timeout (10 s): the recorder must try again rather than drop the records.
        assertThat(handle.await(Duration.ofSeconds(11))).isEmpty();
        s.execute("rollback");

        Run run = handle.await();
        assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
        assertThat(ws.runs().get(run.id()).step("a").status()).isEqualTo(StepStatus.SUCCEEDED);
      }
    }
  }

  @Test
  void refusesARunStoreWrittenByANewerVersion() throws Exception {
    try (Workspace ws = Workspace.open(dir())) {
      ws.submit(Pipeline.named("p")).await();
    }
    Path db = dir().toAbsolutePath().resolve("pipewright.db");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
      s.execute("insert into schema_migrations (version, applied_at) values (99, 0)");
    }

    assertThatThrownBy(() -> Workspace.open(dir())).isInstanceOf(UserException.class)
        .hasMessage("run store " + db + " has schema version 99, newer than this Pipewright understands (4):"
            + " upgrade Pipewright");
  }

  @Test
  void reopeningAWorkspaceKeepsItsRuns() {
    String id;
    try (Workspace ws = Workspace.open(dir())) {
      id = ws.submit(Pipeline.named("p")).await().id();
    }
    try (Workspace again = Workspace.open(dir())) {
      again.submit(Pipeline.named("q")).await();
    }
    try (Workspace third = Workspace.open(dir())) {
      assertThat(third.runs().list(10)).extracting(Run::pipeline).containsExactly("q", "p");
      assertThat(third.runs().get(id).status()).isEqualTo(RunStatus.SUCCEEDED);
    }
  }
}
