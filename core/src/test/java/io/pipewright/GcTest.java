package io.pipewright;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Workspace#gc(GcOptions)} on real runs in a temporary workspace. */
class GcTest {
  /** Every entry is a candidate, and outputs written a moment ago may go. */
  private static final GcOptions EVERYTHING = GcOptions.defaults().olderThan(Duration.ZERO).grace(Duration.ZERO);

  @TempDir
  Path tmp;

  private Path ws() {
    return tmp.resolve("ws");
  }

  private Workspace open() {
    return Workspace.builder(ws()).localThreads(2).open();
  }

  /** prep (uses n) -> train (uses k) -> evaluate: a Dataset, a Model and a Metrics value. */
  private static Pipeline pipeline(String name) {
    Pipeline p = Pipeline.named(name).parameter("n", 3).parameter("k", 5);
    Step prep = p.prep("prep").produces("rows", Dataset.class).uses("n").runs(ReuseTest.Prep.class);
    Step model = p.train("train").input("rows", prep.dataset("rows")).produces("model", Model.class).uses("k")
        .runs(ReuseTest.Train.class);
    p.evaluate("evaluate").input("model", model.model("model")).produces("metrics", Metrics.class)
        .runs(ReuseTest.Evaluate.class);
    return p;
  }

  private static Map<String, StepStatus> statuses(Run run) {
    Map<String, StepStatus> statuses = new LinkedHashMap<>();
    run.steps().forEach(s -> statuses.put(s.name(), s.status()));
    return statuses;
  }

  private List<Path> files(String folder) {
    Path root = ws().resolve(folder);
    if (!Files.exists(root)) {
      return List.of();
    }
    try (Stream<Path> paths = Files.walk(root)) {
      return paths.filter(Files::isRegularFile).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Bytes of the files under data/objects and tmp. */
  private long storedBytes() {
    long bytes = 0;
    for (Path f : Stream.concat(files("data/objects").stream(), files("tmp").stream()).toList()) {
      try {
        bytes += Files.size(f);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return bytes;
  }

  @Test
  void removesEveryEntryOlderThanTheAgeAndEveryOutputOnlyTheyUsedSoTheStepsRunAgain() {
    try (Workspace ws = open()) {
      Run first = ws.submit(pipeline("p")).await();
      assertThat(files("data/objects")).hasSize(5); // rows.csv + manifest, model.txt + manifest, metrics manifest
      long before = storedBytes();

      GcReport report = ws.gc(EVERYTHING);

      assertThat(report).isEqualTo(new GcReport(false, 3, 0, 3, 0, 0, 0, before, List.of()));
      assertThat(files("data/objects")).isEmpty();
      assertThat(Path.of(first.step("prep").outputs().get("rows"))).doesNotExist();
      Run again = ws.submit(pipeline("p")).await();
      assertThat(statuses(again)).containsOnly(Map.entry("prep", StepStatus.SUCCEEDED),
          Map.entry("train", StepStatus.SUCCEEDED), Map.entry("evaluate", StepStatus.SUCCEEDED));
      assertThat(again.step("evaluate").metrics()).isEqualTo(first.step("evaluate").metrics());
    }
  }

  @Test
  void keepLastKeepsTheEntriesAndOutputsTheLatestRunsOfEachPipelineUsed() throws Exception {
    try (Workspace ws = open()) {
      Run old = ws.submit(pipeline("p"), Map.of("n", 1)).await();
      Run latest = ws.submit(pipeline("p"), Map.of("n", 2)).await();
      Run other = ws.submit(pipeline("q"), Map.of("n", 1)).await(); // reuses old's outputs: another pipeline
      Path oldRows = Path.of(old.step("prep").outputs().get("rows")).resolve("rows.csv");
      long oldBytes = Files.size(oldRows) + Files.size(Path.of(old.step("prep").outputs().get("rows") + ".json"));
      assertThat(statuses(other)).containsOnly(Map.entry("prep", StepStatus.REUSED),
          Map.entry("train", StepStatus.REUSED), Map.entry("evaluate", StepStatus.REUSED));

      GcReport onePerPipeline = ws.gc(GcOptions.defaults().keepLast(1).grace(Duration.ZERO));

      // The metrics of both p runs are equal (the same size): 5 distinct outputs.
      assertThat(onePerPipeline).isEqualTo(new GcReport(false, 0, 6, 0, 5, 0, 0, 0, List.of()));

      Run latestOfQ = ws.submit(pipeline("q"), Map.of("n", 2)).await();
      GcReport afterQMoved = ws.gc(GcOptions.defaults().keepLast(1).grace(Duration.ZERO));

      // q's latest run reused latest's outputs; old's are no longer used by any pipeline's latest run.
      assertThat(statuses(latestOfQ)).containsOnly(Map.entry("prep", StepStatus.REUSED),
          Map.entry("train", StepStatus.REUSED), Map.entry("evaluate", StepStatus.REUSED));
      assertThat(afterQMoved.entriesRemoved()).isEqualTo(3);
      assertThat(afterQMoved.entriesKept()).isEqualTo(3);
      assertThat(afterQMoved.objectsRemoved()).isEqualTo(2);
      assertThat(afterQMoved.objectsInUse()).isEqualTo(3);
      assertThat(afterQMoved.bytesFreed()).isGreaterThan(oldBytes);
      assertThat(oldRows).doesNotExist();
      assertThat(Path.of(latest.step("prep").outputs().get("rows")).resolve("rows.csv")).hasContent("0\n1\n");

      Run latestAgain = ws.submit(pipeline("p"), Map.of("n", 2)).await();
      Run oldAgain = ws.submit(pipeline("p"), Map.of("n", 1)).await();
      assertThat(statuses(latestAgain)).containsOnly(Map.entry("prep", StepStatus.REUSED),
          Map.entry("train", StepStatus.REUSED), Map.entry("evaluate", StepStatus.REUSED));
      assertThat(oldAgain.step("prep").status()).isEqualTo(StepStatus.SUCCEEDED);
      assertThat(oldRows).hasContent("0\n");
    }
  }

  @Test
  void aDryRunReportsWhatItWouldRemoveAndRemovesNothing() {
    try (Workspace ws = open()) {
      Run first = ws.submit(pipeline("p")).await();
      List<Path> before = files("data/objects");
      long bytes = storedBytes();

      GcReport dry = ws.gc(EVERYTHING.dryRun(true));

      assertThat(dry).isEqualTo(new GcReport(true, 3, 0, 3, 0, 0, 0, bytes, List.of()));
      assertThat(files("data/objects")).isEqualTo(before);
      Run again = ws.submit(pipeline("p")).await();
      assertThat(statuses(again)).containsOnly(Map.entry("prep", StepStatus.REUSED),
          Map.entry("train", StepStatus.REUSED), Map.entry("evaluate", StepStatus.REUSED));
      assertThat(again.step("prep").reusedFrom()).isEqualTo(first.id());
    }
  }

  @Test
  void outputsYoungerThanTheGracePeriodAreKeptThoughTheirEntriesAreRemoved() {
    try (Workspace ws = open()) {
      ws.submit(pipeline("p")).await();
      List<Path> before = files("data/objects");

      GcReport report = ws.gc(GcOptions.defaults().olderThan(Duration.ZERO));

      assertThat(report).isEqualTo(new GcReport(false, 3, 0, 0, 0, 3, 0, 0, List.of()));
      assertThat(files("data/objects")).isEqualTo(before);
      assertThat(statuses(ws.submit(pipeline("p")).await())).containsValue(StepStatus.SUCCEEDED)
          .doesNotContainValue(StepStatus.REUSED);
    }
  }

  @Test
  void entriesYoungerThanTheAgeAreKeptByDefault() {
    try (Workspace ws = open()) {
      ws.submit(pipeline("p")).await();

      GcReport report = ws.gc(GcOptions.defaults().grace(Duration.ZERO));

      assertThat(report).isEqualTo(new GcReport(false, 0, 3, 0, 3, 0, 0, 0, List.of()));
      assertThat(GcOptions.defaults().effectiveOlderThan()).isEqualTo(Duration.ofDays(7));
    }
  }

  @Test
  void whileARunIsActiveInThisProcessOnlyCacheEntriesAreRemoved() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Pipeline blocking = Pipeline.named("blocking");
    blocking.step("wait").runs(ctx -> {
      started.countDown();
      release.await(1, TimeUnit.MINUTES);
    });
    try (Workspace ws = open()) {
      ws.submit(pipeline("p")).await();
      List<Path> before = files("data/objects");
      RunHandle active = ws.submit(blocking);
      try {
        assertThat(started.await(1, TimeUnit.MINUTES)).isTrue();

        GcReport report = ws.gc(EVERYTHING);

        assertThat(report).isEqualTo(new GcReport(false, 3, 0, 0, 0, 0, 0, 0, List.of(active.id())));
        assertThat(files("data/objects")).isEqualTo(before);
      } finally {
        release.countDown();
      }
      active.await();
      assertThat(ws.gc(EVERYTHING).objectsRemoved()).isEqualTo(3);
    }
  }

  @Test
  void outputsThatAStepOfARunningRunInAnotherProcessUsesAreKeptAfterTheirEntriesAreRemoved() throws Exception {
    Path gate = tmp.resolve("gate");
    Path log = tmp.resolve("child.log");
    try (Workspace ws = open()) {
      Files.writeString(gate, "open");
      Run done = ws.submit(ResumeRunMain.pipeline(), Map.of("gate", gate.toString())).await();
      assertThat(done.status()).isEqualTo(RunStatus.SUCCEEDED);
      Files.delete(gate);
      Path other = tmp.resolve("other-gate"); // another gate: the report step runs again, and waits
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
          ResumeRunMain.class.getName(), ws().toString(), other.toString())
          .redirectErrorStream(true).redirectOutput(log.toFile()).start();
      try {
        Run running = awaitReportRunning(ws, child, log, done.id());
        assertThat(running.step("square").reusedFrom()).isEqualTo(done.id());

        GcReport report = ws.gc(EVERYTHING);

        // done's 4 entries go; prep's and square's outputs stay, as the child's run reused them.
        assertThat(report.entriesRemoved()).isEqualTo(4);
        assertThat(report.objectsInUse()).isEqualTo(2);
        assertThat(report.objectsRemoved()).isEqualTo(2);
        assertThat(report.stagingRemoved()).isZero();
        assertThat(Path.of(running.step("square").outputs().get("squares")).resolve("squares.csv"))
            .hasContent("1\n4\n9\n");
        assertThat(ws().resolve("tmp").resolve(running.id())).isDirectory();

        Files.writeString(other, "open");
        if (!child.waitFor(60, TimeUnit.SECONDS)) {
          fail("the child process did not exit:\n" + Files.readString(log));
        }
        assertThat(ws.runs().get(running.id()).status()).as(Files.readString(log)).isEqualTo(RunStatus.SUCCEEDED);
      } finally {
        child.destroyForcibly();
      }
    }
  }

  private static Run awaitReportRunning(Workspace ws, Process child, Path log, String doneId) throws Exception {
    long deadline = System.currentTimeMillis() + TimeUnit.SECONDS.toMillis(60);
    while (true) {
      List<Run> runs = ws.runs().list(1);
      if (!runs.isEmpty() && !runs.get(0).id().equals(doneId)
          && !ws.runs().logs(runs.get(0).id(), "report").isEmpty()) {
        return ws.runs().get(runs.get(0).id());
      }
      if (!child.isAlive() || System.currentTimeMillis() > deadline) {
        fail("the child's run did not reach its report step:\n"
            + (Files.exists(log) ? Files.readString(log) : "(no output)"));
      }
      Thread.sleep(25);
    }
  }

  @Test
  void debrisOfCrashedCommitsAndStagingOfEndedRunsIsRemovedAndForeignFilesAreLeftAlone() throws Exception {
    try (Workspace ws = open()) {
      Run run = ws.submit(pipeline("p")).await();
      String hex = "ab" + "0".repeat(62);
      Path shard = Files.createDirectories(ws().resolve("data/objects/ab"));
      Files.writeString(Files.createDirectories(shard.resolve(hex)).resolve("half.csv"), "12345"); // no manifest
      Files.writeString(shard.resolve("ab" + "1".repeat(62) + ".json.partial"), "{\"t");
      Files.writeString(shard.resolve("notes.txt"), "mine");
      Files.writeString(Files.createDirectories(ws().resolve("tmp").resolve(run.id()).resolve("prep"))
          .resolve("left.csv"), "123");

      GcReport report = ws.gc(GcOptions.defaults().grace(Duration.ZERO));

      assertThat(report).isEqualTo(new GcReport(false, 0, 3, 2, 3, 0, 1, 5 + 3 + 3, List.of()));
      assertThat(shard.resolve(hex)).doesNotExist();
      assertThat(shard.resolve("notes.txt")).hasContent("mine");
      assertThat(ws().resolve("tmp").resolve(run.id())).doesNotExist();
      assertThat(files("data/objects")).hasSize(6);
    }
  }

  @Test
  void optionsRefuseNegativeValuesNamingThem() {
    assertThatThrownBy(() -> GcOptions.defaults().keepLast(-1))
        .hasMessage("keepLast must be >= 0, was -1");
    assertThatThrownBy(() -> GcOptions.defaults().olderThan(Duration.ofHours(-1)))
        .hasMessage("olderThan must be >= 0, was PT-1H");
    assertThatThrownBy(() -> GcOptions.defaults().grace(Duration.ofSeconds(-5)))
        .hasMessage("grace must be >= 0, was PT-5S");
    assertThat(GcOptions.defaults().keepLast(2).effectiveOlderThan()).isZero();
  }
}
