package io.pipewright;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pipewright.Explanation.Cause;
import io.pipewright.Fingerprint.Component;
import io.pipewright.internal.engine.Explainer;
import io.pipewright.internal.util.FileTrees;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link RunHistory#explain}: why a step ran or was reused, on real runs. Bodies in this package count as engine
 * classes for the code identity, so code differences are tested on the diff function directly.
 */
class ExplainTest {
  private static final Instant NOON = Instant.parse("2026-11-30T12:00:00Z");

  @TempDir
  Path tmp;

  private Path raw;

  @BeforeEach
  void tenFiles() throws Exception {
    raw = Files.createDirectories(tmp.resolve("raw"));
    for (int i = 0; i < 10; i++) {
      write(i, "row " + i + "\n");
    }
  }

  private void write(int part, String content) throws Exception {
    Files.writeString(raw.resolve(String.format(Locale.ROOT, "part-%04d.csv", part)), content);
  }

  /** Copies the raw files. */
  public static final class Copy implements StepBody {
    @Override
    public void run(StepContext ctx) throws Exception {
      Dataset in = ctx.dataset("raw");
      for (DataFile f : in.files()) {
        Files.copy(in.file(f.path()), ctx.outputDir("rows").resolve(f.path()));
      }
    }
  }

  /** A "model": the number of files times k. */
  public static final class Train implements StepBody {
    @Override
    public void run(StepContext ctx) {
      ctx.write("model", (long) ctx.dataset("rows").files().size() * ctx.intParam("k"));
    }
  }

  public static final class Deploy implements StepBody {
    @Override
    public void run(StepContext ctx) {
      ctx.log().info("deployed");
    }
  }

  public static final class Fails implements StepBody {
    @Override
    public void run(StepContext ctx) {
      throw StepException.nonRetryable("no model today");
    }
  }

  /** Holds a lock: state without a canonical form, so its executions are never reused. */
  public static final class Locked implements StepBody {
    private final Object lock = new Object();

    @Override
    public void run(StepContext ctx) {
      synchronized (lock) {
        ctx.write("rows", 1L);
      }
    }
  }

  private Pipeline pipeline(String version) {
    return pipeline(version, Train.class);
  }

  private Pipeline pipeline(String version, Class<? extends StepBody> train) {
    Pipeline p = Pipeline.named("ex").parameter("k", 5);
    Step prep = p.prep("prep").input("raw", raw).produces("rows", Dataset.class).runs(Copy.class);
    Step model = p.train("train").input("rows", prep.dataset("rows")).uses("k").produces("model", Long.class)
        .version(version).runs(train);
    p.deploy("deploy").input("model", model.value("model", Long.class)).runs(Deploy.class);
    return p;
  }

  private Workspace open() {
    return Workspace.builder(tmp.resolve("ws")).localThreads(2).open();
  }

  private static String text(Explanation e) {
    return e.toString();
  }

  @Test
  void aStepRunForTheFirstTimeSaysSo() {
    try (Workspace ws = open()) {
      Run run = ws.submit(pipeline("1")).await();

      Explanation e = ws.runs().explain(run.shortId(), "prep");

      assertThat(text(e)).isEqualTo("prep ran: first execution of this step in the workspace");
      assertThat(e.cause()).isEqualTo(Cause.FIRST_EXECUTION);
      assertThat(e.runId()).isEqualTo(run.id());
      assertThat(e.status()).isEqualTo(StepStatus.SUCCEEDED);
      assertThat(e.fingerprint()).isEqualTo(run.step("prep").fingerprint());
      assertThat(e.comparedWith()).isNull();
      assertThat(e.differences()).isEmpty();
    }
  }

  @Test
  void aReusedStepNamesTheRunItWasReusedFromAndItsFingerprint() {
    try (Workspace ws = open()) {
      Run first = ws.submit(pipeline("1")).await();
      Run second = ws.submit(pipeline("1")).await();

      Explanation e = ws.runs().explain(second.id(), "prep");

      String hash = second.step("prep").fingerprint();
      assertThat(text(e)).isEqualTo("prep was reused from run " + first.shortId() + " (fingerprint "
          + hash.substring(0, "sha256:".length() + 12) + "...)");
      assertThat(e.cause()).isEqualTo(Cause.REUSED);
      assertThat(e.reusedFrom()).isEqualTo(first.id());
      assertThat(e.comparedWith()).isNull();
    }
  }

  @Test
  void aChangedParameterIsTheOnlyDifferenceOfTheStepThatUsesIt() {
    // A fixed clock: both runs start in the same millisecond, and the earlier recorded is the one compared with.
    try (Workspace ws = Workspace.builder(tmp.resolve("ws")).clock(Clock.fixed(NOON, ZoneOffset.UTC)).open()) {
      Run first = ws.submit(pipeline("1")).await();
      Run second = ws.submit(pipeline("1"), Map.of("k", 7)).await();

      Explanation e = ws.runs().explain(second.id(), "train");

      String when = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm", Locale.ROOT).withZone(ZoneId.systemDefault())
          .format(NOON);
      assertThat(e.lines()).containsExactly(
          "train ran because its fingerprint differs from run " + first.shortId() + " (" + when + "):",
          "  parameter k: 5 -> 7",
          "  (code, inputs and environment unchanged)");
      assertThat(e.cause()).isEqualTo(Cause.FINGERPRINT_CHANGED);
      assertThat(e.comparedWith()).isEqualTo(first.id());
      assertThat(e.comparedWithStartedAt()).isEqualTo(NOON);
      assertThat(e.reason()).isEqualTo("its fingerprint differs from run " + first.shortId() + "'s");
    }
  }

  @Test
  void changedFilesOfAnInputStoredInTheWorkspaceAreNamed() throws Exception {
    try (Workspace ws = open()) {
      ws.submit(pipeline("1")).await();
      write(3, "changed 3\n");
      write(7, "changed 7\n");
      write(5, "changed 5\n");
      Run second = ws.submit(pipeline("1")).await();

      // The external folder's content equals prep's stored copies, before and after: so its files are named too.
      assertThat(ws.runs().explain(second.id(), "prep").differences())
          .containsExactly("input raw: content changed (3 of 10 files: part-0003.csv, part-0005.csv, part-0007.csv)");
      assertThat(ws.runs().explain(second.id(), "train").lines()).endsWith(
          "  input rows: content changed (3 of 10 files: part-0003.csv, part-0005.csv, part-0007.csv)",
          "  (code, parameters and environment unchanged)");
    }
  }

  /** Counts the lines of its input. */
  public static final class Count implements StepBody {
    @Override
    public void run(StepContext ctx) throws Exception {
      ctx.write("n", (long) Files.readAllLines(ctx.dataset("raw").singleFile()).size());
    }
  }

  @Test
  void aChangedExternalFileWhoseContentIsNotStoredIsOnlySaidToHaveChanged() throws Exception {
    try (Workspace ws = open()) {
      Pipeline p = Pipeline.named("single");
      p.prep("count").input("raw", raw.resolve("part-0001.csv")).produces("n", Long.class).runs(Count.class);
      ws.submit(p).await();
      write(1, "changed\n");
      Run second = ws.submit(p).await();

      assertThat(ws.runs().explain(second.id(), "count").differences()).containsExactly("input raw: content changed");
    }
  }

  @Test
  void aNewVersionIsACodeDifference() {
    try (Workspace ws = open()) {
      ws.submit(pipeline("1")).await();
      Run second = ws.submit(pipeline("2")).await();

      Explanation e = ws.runs().explain(second.id(), "train");

      assertThat(e.differences()).containsExactly("version: 1 -> 2");
      assertThat(e.lines()).endsWith("  (parameters, inputs and environment unchanged)");
    }
  }

  @Test
  void aStepRunWithReuseOffSaysSoAndNamesTheRunWithTheSameFingerprint() {
    try (Workspace ws = open()) {
      Run first = ws.submit(pipeline("1")).await();
      Run second = ws.submit(pipeline("1"), RunOptions.defaults().reuse(false)).await();

      Explanation e = ws.runs().explain(second.id(), "prep");

      assertThat(text(e)).isEqualTo("prep ran: reuse was off for the run (its fingerprint equals run "
          + first.shortId() + "'s)");
      assertThat(e.cause()).isEqualTo(Cause.REUSE_OFF);
      assertThat(e.comparedWith()).isEqualTo(first.id());
      assertThat(e.reason()).isEqualTo("reuse was off for the run (its fingerprint equals run " + first.shortId()
          + "'s)");
    }
  }

  @Test
  void anEarlierExecutionWithTheSameFingerprintIsPreferredToTheLatestOne() {
    try (Workspace ws = open()) {
      Run first = ws.submit(pipeline("1")).await();
      ws.submit(pipeline("1"), Map.of("k", 7)).await();
      Run third = ws.submit(pipeline("1"), RunOptions.defaults().reuse(false)).await();

      Explanation e = ws.runs().explain(third.id(), "train");

      assertThat(e.cause()).isEqualTo(Cause.REUSE_OFF);
      assertThat(e.comparedWith()).isEqualTo(first.id());
    }
  }

  @Test
  void aDeployStepRunsEveryTime() {
    try (Workspace ws = open()) {
      ws.submit(pipeline("1")).await();
      Run second = ws.submit(pipeline("1")).await();

      Explanation e = ws.runs().explain(second.id(), "deploy");

      assertThat(text(e)).isEqualTo("deploy ran: the step does not allow reuse (deploy steps run every time)");
      assertThat(e.cause()).isEqualTo(Cause.REUSE_NOT_ALLOWED);
      assertThat(e.comparedWith()).isNull();
    }
  }

  @Test
  void aStepThatDoesNotAllowReuseSaysSo() {
    try (Workspace ws = open()) {
      Pipeline p = Pipeline.named("once");
      p.prep("fetch").allowReuse(false).produces("n", Long.class).runs(ctx -> ctx.write("n", 1L));
      ws.submit(p).await();
      Run second = ws.submit(p).await();

      assertThat(text(ws.runs().explain(second.id(), "fetch"))).isEqualTo("fetch ran: the step does not allow reuse");
    }
  }

  @Test
  void aStepWhoseEarlierOutputsWereDeletedSaysTheyWereMissing() {
    try (Workspace ws = open()) {
      Run first = ws.submit(pipeline("1")).await();
      FileTrees.deleteRecursively(Path.of(first.step("prep").outputs().get("rows")));
      Run second = ws.submit(pipeline("1")).await();

      assertThat(second.step("train").status()).isEqualTo(StepStatus.REUSED);
      assertThat(text(ws.runs().explain(second.id(), "prep"))).isEqualTo("prep ran: run " + first.shortId()
          + " has the same fingerprint, but its outputs were missing or damaged");
    }
  }

  @Test
  void aStepWhoseBodyHasNoCanonicalStateGivesItsNotReusableReason() {
    try (Workspace ws = open()) {
      Pipeline p = Pipeline.named("locked");
      p.prep("prep").produces("rows", Long.class).runs(new Locked());
      ws.submit(p).await();
      Run second = ws.submit(p).await();

      Explanation e = ws.runs().explain(second.id(), "prep");

      assertThat(text(e)).isEqualTo("prep ran: its body's field 'lock' is a java.lang.Object, which has no canonical"
          + " form -- give the step a version(...) to vouch for it, or pass the body as a class");
      assertThat(e.cause()).isEqualTo(Cause.NOT_REUSABLE);
    }
  }

  @Test
  void aSkippedStepSaysWhyItDidNotRun() {
    try (Workspace ws = open()) {
      Run run = ws.submit(pipeline("1", Fails.class)).await();

      Explanation e = ws.runs().explain(run.id(), "deploy");

      assertThat(text(e)).isEqualTo("deploy did not run (SKIPPED): upstream step 'train' failed");
      assertThat(e.cause()).isEqualTo(Cause.NOT_FINGERPRINTED);
      assertThat(e.fingerprint()).isNull();
    }
  }

  @Test
  void anUnknownStepOrRunIsAUserErrorNamingTheAlternatives() {
    try (Workspace ws = open()) {
      Run run = ws.submit(pipeline("1")).await();

      assertThatThrownBy(() -> ws.runs().explain(run.id(), "nope")).isInstanceOf(UserException.class)
          .hasMessage("run " + run.shortId() + " has no step 'nope' (steps: prep, train, deploy)");
      assertThatThrownBy(() -> ws.runs().explain("zzzz", "prep")).isInstanceOf(UserException.class)
          .hasMessage("no run 'zzzz' in workspace " + ws.dir() + " (see: pipewright runs)");
    }
  }

  // ------------------------------------------------------------------ the diff function

  private static Fingerprint fingerprint(String... nameValues) {
    List<Component> components = new java.util.ArrayList<>();
    for (int i = 0; i < nameValues.length; i += 2) {
      components.add(new Component(nameValues[i], nameValues[i + 1]));
    }
    return new Fingerprint("sha256:" + "0".repeat(64), components);
  }

  @Test
  void codeDifferencesNameClassesAndPairLibraryUpgrades() {
    Fingerprint before = fingerprint("format", "1", "code:class:com.acme.TrainDigits", "aa",
        "code:class:com.acme.Old", "bb", "code:library:tribuo-core-4.3.1.jar", "cc", "code:library:gson-2.10.jar",
        "dd", "code:missing:com.acme.Optional", "missing", "code:state", "{\"a\":1}", "env:target", "local");
    Fingerprint after = fingerprint("format", "2", "code:class:com.acme.TrainDigits", "a2",
        "code:class:com.acme.Helper", "ee", "code:library:tribuo-core-4.3.2.jar", "c2", "code:library:guava-33.jar",
        "ff", "code:state", "{\"a\":2}", "env:target", "process");

    assertThat(Explainer.differences(before, after, tmp)).containsExactly(
        "fingerprint format: 1 -> 2",
        "code: class com.acme.Helper added",
        "code: class com.acme.Old removed",
        "code: class com.acme.Optional was missing, found now",
        "code: class com.acme.TrainDigits changed",
        "library: gson-2.10.jar removed",
        "library: guava-33.jar added",
        "library: tribuo-core-4.3.1.jar -> tribuo-core-4.3.2.jar",
        "state: {\"a\":1} -> {\"a\":2}",
        "environment target: local -> process");
  }

  @Test
  void parameterAndInputDifferencesSayWhatWasAddedRemovedOrChanged() {
    String longHash = "sha256:" + "1".repeat(64);
    Fingerprint before = fingerprint("code:lambda", "p/train", "code:version", "1", "param:epochs", "20",
        "param:lr", "0.1", "param:text", longHash, "input:data", "sha256:" + "a".repeat(64));
    Fingerprint after = fingerprint("code:lambda", "p/train", "param:epochs", "30", "param:batch", "64",
        "param:text", "sha256:" + "2".repeat(64), "input:data", "sha256:" + "b".repeat(64), "input:extra",
        "sha256:" + "c".repeat(64), "custom:thing", "x");

    assertThat(Explainer.differences(before, after, tmp)).containsExactly(
        "version: 1 -> none",
        "parameter batch: added",
        "parameter epochs: 20 -> 30",
        "parameter lr: removed",
        "parameter text: changed",
        "input data: content changed",
        "input extra: added",
        "custom:thing: added");
  }

  @Test
  void storedInputsShowAtMostFiveChangedFilesOrAShortValue() throws Exception {
    String a = "a".repeat(64);
    String b = "b".repeat(64);
    String v1 = "c".repeat(64);
    String v2 = "d".repeat(64);
    Files.createDirectories(tmp.resolve("aa"));
    Files.createDirectories(tmp.resolve("bb"));
    Files.createDirectories(tmp.resolve("cc"));
    Files.createDirectories(tmp.resolve("dd"));
    StringBuilder filesA = new StringBuilder();
    StringBuilder filesB = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      filesA.append(i == 0 ? "" : ",").append("{\"path\":\"f").append(i).append("\",\"size\":1,\"sha256\":\"x\"}");
      filesB.append(i == 0 ? "" : ",").append("{\"path\":\"f").append(i).append("\",\"size\":1,\"sha256\":\"")
          .append(i < 7 ? "y" : "x").append("\"}");
    }
    Files.writeString(tmp.resolve("aa").resolve(a + ".json"), "{\"type\":\"Dataset\",\"files\":[" + filesA + "]}");
    Files.writeString(tmp.resolve("bb").resolve(b + ".json"), "{\"type\":\"Dataset\",\"files\":[" + filesB + "]}");
    Files.writeString(tmp.resolve("cc").resolve(v1 + ".json"), "{\"type\":\"Long\",\"value\":2}");
    Files.writeString(tmp.resolve("dd").resolve(v2 + ".json"), "{\"type\":\"Long\",\"value\":4}");

    assertThat(Explainer.differences(fingerprint("input:data", "sha256:" + a, "input:n", "sha256:" + v1),
        fingerprint("input:data", "sha256:" + b, "input:n", "sha256:" + v2), tmp)).containsExactly(
            "input data: content changed (7 of 8 files: f0, f1, f2, f3, f4, ...)",
            "input n: value 2 -> 4");
  }

  @Test
  void theSummaryListsOnlyThePartsThatDidNotChange() {
    Explanation e = new Explanation("r".repeat(20), "train", StepStatus.SUCCEEDED, Cause.FINGERPRINT_CHANGED,
        "sha256:" + "0".repeat(64), "c".repeat(20), null, null, "its fingerprint differs from run cccccccc's",
        List.of("code: class a.B changed", "parameter k: 1 -> 2", "input d: content changed"));

    assertThat(e.toString()).isEqualTo("""
        train ran because its fingerprint differs from run cccccccc:
          code: class a.B changed
          parameter k: 1 -> 2
          input d: content changed
          (environment unchanged)""");
  }
}
