package io.pipewright;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReuseTest {
  /** How often each body ran, by step: bodies are classes without state, so they are reusable. */
  static final Map<String, AtomicInteger> EXECUTIONS = new ConcurrentHashMap<>();

  @TempDir
  Path tmp;

  @BeforeEach
  void reset() {
    EXECUTIONS.clear();
  }

  static int executions(String step) {
    return EXECUTIONS.getOrDefault(step, new AtomicInteger()).get();
  }

  static void count(StepContext ctx) {
    EXECUTIONS.computeIfAbsent(ctx.stepName(), k -> new AtomicInteger()).incrementAndGet();
  }

  /** Writes rows.csv with n rows. */
  public static final class Prep implements StepBody {
    @Override
    public void run(StepContext ctx) throws Exception {
      count(ctx);
      StringBuilder rows = new StringBuilder();
      for (int i = 0; i < ctx.intParam("n"); i++) {
        rows.append(i).append('\n');
      }
      Files.writeString(ctx.outputDir("rows").resolve("rows.csv"), rows);
    }
  }

  /** A "model": the row count and k. */
  public static final class Train implements StepBody {
    @Override
    public void run(StepContext ctx) throws Exception {
      count(ctx);
      long rows = Files.readAllLines(ctx.dataset("rows").file("rows.csv")).size();
      Files.writeString(ctx.outputDir("model").resolve("model.txt"), rows + "," + ctx.intParam("k"));
    }
  }

  /** Uses k, but writes the same bytes whatever it is: downstream steps are cut off from a change of k. */
  public static final class TrainIgnoringK implements StepBody {
    @Override
    public void run(StepContext ctx) throws Exception {
      count(ctx);
      ctx.intParam("k");
      Files.writeString(ctx.outputDir("model").resolve("model.txt"), "constant");
    }
  }

  public static final class Evaluate implements StepBody {
    @Override
    public void run(StepContext ctx) throws Exception {
      count(ctx);
      String model = Files.readString(ctx.model("model").file("model.txt"));
      ctx.write("metrics", Metrics.of("size", model.length()));
      ctx.metric("reported", 7);
    }
  }

  public static final class Fails implements StepBody {
    static volatile boolean fail = true;

    @Override
    public void run(StepContext ctx) {
      count(ctx);
      if (fail) {
        throw new IllegalStateException("not this time");
      }
    }
  }

  /** A body given as a configured instance: its field is part of its fingerprint. */
  public static final class Scaled implements StepBody {
    private final int factor;

    Scaled(int factor) {
      this.factor = factor;
    }

    @Override
    public void run(StepContext ctx) {
      count(ctx);
      ctx.write("value", 10L * factor);
    }
  }

  private static Pipeline pipeline(Class<? extends StepBody> train) {
    Pipeline p = Pipeline.named("p").parameter("n", 3).parameter("k", 5).parameter("unused", "x");
    Step prep = p.prep("prep").produces("rows", Dataset.class).uses("n").runs(Prep.class);
    Step model = p.train("train").input("rows", prep.dataset("rows")).produces("model", Model.class).uses("k")
        .runs(train);
    p.evaluate("evaluate").input("model", model.model("model")).produces("metrics", Metrics.class)
        .runs(Evaluate.class);
    return p;
  }

  private Workspace open() {
    return Workspace.builder(tmp.resolve("ws")).localThreads(2).open();
  }

  private static Map<String, StepStatus> statuses(Run run) {
    Map<String, StepStatus> statuses = new java.util.LinkedHashMap<>();
    run.steps().forEach(s -> statuses.put(s.name(), s.status()));
    return statuses;
  }

  @Test
  void aSecondRunReusesEveryStepAndSaysWhichRunProducedTheOutputs() {
    try (Workspace ws = open()) {
      Run first = ws.submit(pipeline(Train.class)).await();
      Run second = ws.submit(pipeline(Train.class)).await();

      assertThat(statuses(first)).containsValues(StepStatus.SUCCEEDED).doesNotContainValue(StepStatus.REUSED);
      assertThat(second.status()).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(statuses(second)).containsOnlyKeys("prep", "train", "evaluate").containsValues(StepStatus.REUSED)
          .doesNotContainValue(StepStatus.SUCCEEDED);
      for (StepRun step : second.steps()) {
        assertThat(step.reusedFrom()).isEqualTo(first.id());
        assertThat(step.fingerprint()).isEqualTo(first.step(step.name()).fingerprint()).startsWith("sha256:");
        assertThat(step.outputs()).isEqualTo(first.step(step.name()).outputs());
      }
      assertThat(executions("prep")).isEqualTo(1);
      assertThat(executions("evaluate")).isEqualTo(1);
      assertThat(second.step("evaluate").metrics()).isEqualTo(Map.of("size", 3.0, "reported", 7.0));
      Run stored = ws.runs().get(second.id());
      assertThat(stored.step("train").status()).isEqualTo(StepStatus.REUSED);
      assertThat(stored.step("train").reusedFrom()).isEqualTo(first.id());
      assertThat(stored.step("evaluate").metrics()).isEqualTo(Map.of("size", 3.0, "reported", 7.0));
    }
  }

  @Test
  void changingAParameterReRunsOnlyTheStepsThatUseItAndThoseWhoseInputsChanged() {
    try (Workspace ws = open()) {
      ws.submit(pipeline(Train.class)).await();
      Run changedK = ws.submit(pipeline(Train.class), Map.of("k", 7)).await();
      Run changedUnused = ws.submit(pipeline(Train.class), Map.of("k", 7, "unused", "y")).await();

      assertThat(statuses(changedK)).isEqualTo(Map.of("prep", StepStatus.REUSED, "train", StepStatus.SUCCEEDED,
          "evaluate", StepStatus.SUCCEEDED));
      assertThat(statuses(changedUnused)).containsValues(StepStatus.REUSED).doesNotContainValue(StepStatus.SUCCEEDED);
      assertThat(executions("train")).isEqualTo(2);
    }
  }

  @Test
  void aStepWhoseInputsHaveTheSameContentIsReusedAfterItsUpstreamRanAgain() {
    try (Workspace ws = open()) {
      ws.submit(pipeline(TrainIgnoringK.class)).await();
      Run run = ws.submit(pipeline(TrainIgnoringK.class), Map.of("k", 9)).await();

      assertThat(statuses(run)).isEqualTo(Map.of("prep", StepStatus.REUSED, "train", StepStatus.SUCCEEDED,
          "evaluate", StepStatus.REUSED));
    }
  }

  @Test
  void noReuseRunsEveryStepAndStillRecordsTheirOutputsForLater() {
    try (Workspace ws = open()) {
      Run forced = ws.submit(pipeline(Train.class), RunOptions.defaults().reuse(false)).await();
      Run next = ws.submit(pipeline(Train.class)).await();

      assertThat(statuses(forced)).doesNotContainValue(StepStatus.REUSED);
      assertThat(statuses(next)).doesNotContainValue(StepStatus.SUCCEEDED);
      assertThat(next.step("prep").reusedFrom()).isEqualTo(forced.id());
    }
  }

  @Test
  void deployStepsAndStepsThatSaySoAreNeverReused() {
    Pipeline p = Pipeline.named("p");
    p.deploy("deploy").runs(Fails.class);
    p.step("fresh").allowReuse(false).runs(Fails.class);
    Fails.fail = false;

    try (Workspace ws = open()) {
      ws.submit(p).await();
      Run second = ws.submit(p).await();

      assertThat(statuses(second)).isEqualTo(Map.of("deploy", StepStatus.SUCCEEDED, "fresh", StepStatus.SUCCEEDED));
      assertThat(executions("deploy")).isEqualTo(2);
    } finally {
      Fails.fail = true;
    }
  }

  @Test
  void anOutputDamagedSinceItWasWrittenIsNotReusedAndTheStepRunsAgain() throws Exception {
    try (Workspace ws = open()) {
      Run first = ws.submit(pipeline(Train.class)).await();
      Files.writeString(Path.of(first.step("prep").outputs().get("rows")).resolve("rows.csv"), "0\n");

      Run second = ws.submit(pipeline(Train.class)).await();

      assertThat(second.step("prep").status()).isEqualTo(StepStatus.SUCCEEDED);
      assertThat(Path.of(second.step("prep").outputs().get("rows")).resolve("rows.csv")).hasContent("0\n1\n2\n");
      assertThat(second.step("train").status()).isEqualTo(StepStatus.REUSED);
    }
  }

  @Test
  void anOutputCheckedBeforeIsCheckedAgainOnceAnythingUnderItChanges() throws Exception {
    try (Workspace ws = open()) {
      Run first = ws.submit(pipeline(Train.class)).await();
      Path rows = Path.of(first.step("prep").outputs().get("rows"));
      agedBack(ws.dir().resolve("data")); // settled: checked once, then known intact while nothing changes
      Run checked = ws.submit(pipeline(Train.class)).await();
      Run known = ws.submit(pipeline(Train.class)).await();
      Files.writeString(rows.resolve("extra.csv"), "9\n");
      Run extraFile = ws.submit(pipeline(Train.class)).await();
      agedBack(ws.dir().resolve("data"));
      ws.submit(pipeline(Train.class)).await();
      Files.writeString(rows.resolve("rows.csv"), "0\n1\n9\n"); // same size
      Run sameSize = ws.submit(pipeline(Train.class)).await();

      assertThat(checked.step("prep").status()).isEqualTo(StepStatus.REUSED);
      assertThat(known.step("prep").status()).isEqualTo(StepStatus.REUSED);
      assertThat(extraFile.step("prep").status()).isEqualTo(StepStatus.SUCCEEDED);
      assertThat(sameSize.step("prep").status()).isEqualTo(StepStatus.SUCCEEDED);
      assertThat(rows.resolve("rows.csv")).hasContent("0\n1\n2\n");
    }
  }

  /** Dates every file and folder under {@code root} an hour back. */
  private static void agedBack(Path root) throws Exception {
    java.nio.file.attribute.FileTime hourAgo = java.nio.file.attribute.FileTime.from(
        java.time.Instant.now().minus(Duration.ofHours(1)));
    try (Stream<Path> all = Files.walk(root)) {
      for (Path path : all.toList()) {
        Files.setLastModifiedTime(path, hourAgo);
      }
    }
  }

  @Test
  void anExecutionOlderThanTheStepsMaxReuseAgeIsNotReused() {
    MutableClock clock = new MutableClock();
    Pipeline p = Pipeline.named("p").parameter("n", 1);
    p.prep("prep").produces("rows", Dataset.class).uses("n").maxReuseAge(Duration.ofHours(1)).runs(Prep.class);

    try (Workspace ws = Workspace.builder(tmp.resolve("ws")).clock(clock).open()) {
      ws.submit(p).await();
      clock.advance(Duration.ofMinutes(59));
      Run fresh = ws.submit(p).await();
      clock.advance(Duration.ofMinutes(2));
      Run stale = ws.submit(p).await();

      assertThat(fresh.step("prep").status()).isEqualTo(StepStatus.REUSED);
      assertThat(stale.step("prep").status()).isEqualTo(StepStatus.SUCCEEDED);
      assertThat(ws.runs().explain(stale.id(), "prep").reason()).isEqualTo("run " + fresh.shortId()
          + " has the same fingerprint, but it is older than the step's maxReuseAge");
    }
  }

  @Test
  void anExternalInputIsKnownByItsContentAndNameNotItsFolder() throws Exception {
    Path a = Files.writeString(Files.createDirectories(tmp.resolve("x")).resolve("a.csv"), "1,2\n");
    Path b = Files.writeString(Files.createDirectories(tmp.resolve("y")).resolve("a.csv"), "1,2\n");

    try (Workspace ws = open()) {
      Run first = ws.submit(external(a)).await();
      Run samePath = ws.submit(external(a)).await();
      Run sameContent = ws.submit(external(b)).await();
      Files.writeString(a, "1,3\n");
      Run changed = ws.submit(external(a)).await();

      assertThat(first.step("read").status()).isEqualTo(StepStatus.SUCCEEDED);
      assertThat(samePath.step("read").status()).isEqualTo(StepStatus.REUSED);
      assertThat(sameContent.step("read").status()).isEqualTo(StepStatus.REUSED);
      assertThat(changed.step("read").status()).isEqualTo(StepStatus.SUCCEEDED);
    }
  }

  @Test
  void anInputThatCannotBeReadFailsItsStepWithOneLineNamingTheFile() throws Exception {
    Path folder = Files.createDirectories(tmp.resolve("data"));
    Files.writeString(folder.resolve("ok.csv"), "1\n");
    Files.createSymbolicLink(folder.resolve("a.csv"), folder.resolve("b.csv"));
    Files.createSymbolicLink(folder.resolve("b.csv"), folder.resolve("a.csv")); // a link loop: no content to read

    try (Workspace ws = open()) {
      Run run = ws.submit(external(folder)).await();

      assertThat(run.status()).isEqualTo(RunStatus.FAILED);
      StepRun read = run.step("read");
      assertThat(read.status()).isEqualTo(StepStatus.FAILED);
      assertThat(read.error()).startsWith("step 'read': cannot read input file ").contains(folder.toString())
          .doesNotContain("\n");
      assertThat(executions("read")).isZero();
    }
  }

  private static Pipeline external(Path file) {
    Pipeline p = Pipeline.named("p");
    p.prep("read").input("raw", file).produces("copy", Dataset.class).runs(Copy.class);
    return p;
  }

  public static final class Copy implements StepBody {
    @Override
    public void run(StepContext ctx) throws Exception {
      count(ctx);
      Files.copy(ctx.dataset("raw").singleFile(), ctx.outputDir("copy").resolve("copy.csv"));
    }
  }

  @Test
  void aLambdaHoldingStateWithoutACanonicalFormIsNeverReusedUnlessAVersionVouchesForIt() {
    Object lock = new Object();
    List<RunEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();
    Pipeline p = Pipeline.named("p");
    p.step("opaque").runs(ctx -> {
      synchronized (lock) {
        count(ctx);
      }
    });
    p.step("vouched").version("1").runs(ctx -> {
      synchronized (lock) {
        count(ctx);
      }
    });

    try (Workspace ws = open()) {
      ws.submit(p).await();
      Run second = ws.submit(p, RunOptions.defaults().listener(events::add)).await();

      assertThat(second.step("opaque").status()).isEqualTo(StepStatus.SUCCEEDED);
      assertThat(second.step("vouched").status()).isEqualTo(StepStatus.REUSED);
      assertThat(events).filteredOn(e -> e instanceof RunEvent.StepFingerprinted f && f.step().equals("opaque"))
          .singleElement().extracting(e -> ((RunEvent.StepFingerprinted) e).notReusable())
          .isEqualTo("its body's field 'arg$1' is a java.lang.Object, which has no canonical form -- give the step a"
              + " version(...) to vouch for it, or pass the body as a class");
    }
  }

  @Test
  void lambdasOfOneClassAreToldApartByTheirSteps() {
    Pipeline p = Pipeline.named("p");
    Step a = p.step("a").produces("v", Long.class).runs(ctx -> ctx.write("v", 1L));
    Step b = p.step("b").produces("v", Long.class).runs(ctx -> ctx.write("v", 2L));

    try (Workspace ws = open()) {
      Run run = ws.submit(p).await();

      assertThat(run.step(a.name()).fingerprint()).isNotEqualTo(run.step(b.name()).fingerprint());
    }
  }

  @Test
  void bodiesGivenAsInstancesAreKnownByTheirFields() {
    try (Workspace ws = open()) {
      Run two = ws.submit(scaled(2)).await();
      Run three = ws.submit(scaled(3)).await();
      Run twoAgain = ws.submit(scaled(2)).await();

      assertThat(three.step("scale").status()).isEqualTo(StepStatus.SUCCEEDED);
      assertThat(twoAgain.step("scale").status()).isEqualTo(StepStatus.REUSED);
      assertThat(twoAgain.step("scale").reusedFrom()).isEqualTo(two.id());
    }
  }

  private static Pipeline scaled(int factor) {
    Pipeline p = Pipeline.named("p");
    p.step("scale").produces("value", Long.class).runs(new Scaled(factor));
    return p;
  }

  @Test
  void aRunThatFailedCanBeRunAgainAndOnlyWhatDidNotCompleteRuns() {
    Pipeline p = Pipeline.named("p").parameter("n", 2);
    Step prep = p.prep("prep").produces("rows", Dataset.class).uses("n").runs(Prep.class);
    p.step("flaky").input("rows", prep.dataset("rows")).runs(Fails.class);

    try (Workspace ws = open()) {
      Run failed = ws.submit(p).await();
      Fails.fail = false;
      Run resumed = ws.submit(p).await();

      assertThat(failed.status()).isEqualTo(RunStatus.FAILED);
      assertThat(resumed.status()).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(statuses(resumed)).isEqualTo(Map.of("prep", StepStatus.REUSED, "flaky", StepStatus.SUCCEEDED));
      assertThat(executions("prep")).isEqualTo(1);
    } finally {
      Fails.fail = true;
    }
  }

  @Test
  void theFingerprintIsRecordedComponentByComponent() {
    try (Workspace ws = open()) {
      Run run = ws.submit(pipeline(Train.class), Map.of("k", 11)).await();

      Fingerprint train = ws.runs().fingerprint(run.step("train").fingerprint()).orElseThrow();
      assertThat(train.hash()).isEqualTo(run.step("train").fingerprint());
      assertThat(train.component("param:k")).contains(new Fingerprint.Component("param:k", "11"));
      assertThat(train.component("param:n")).isEmpty();
      // (No code:class component here: classes in the engine's own package io.pipewright, as this test's are, are
      // engine code and covered by the format version. CodeIdentityTest covers what users' code contributes.)
      assertThat(train.component("env:target")).contains(new Fingerprint.Component("env:target", "local"));
      assertThat(train.component("input:rows").orElseThrow().value()).startsWith("sha256:");
      try (Stream<Fingerprint.Component> names = train.components().stream()) {
        assertThat(names.map(Fingerprint.Component::name)).noneMatch(n -> n.contains("train") && n.startsWith("step"));
      }
    }
  }

  /** A clock tests move by hand. */
  static final class MutableClock extends Clock {
    private volatile Instant now = Instant.parse("2026-01-01T00:00:00Z");

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
