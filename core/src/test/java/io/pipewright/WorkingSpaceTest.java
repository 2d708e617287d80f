package io.pipewright;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A step's scratch folder, the snapshot of a source folder, and work units reused on their own. */
class WorkingSpaceTest {
  @TempDir
  Path tmp;

  private Workspace open() {
    return Workspace.builder(tmp.resolve("ws")).localThreads(2).open();
  }

  /** Reads its "code" from a source folder: tool.txt, whose content it writes out. */
  static final class FromSource implements StepBody, SourceFolder {
    private final transient Path folder;

    FromSource(Path folder) {
      this.folder = folder;
    }

    @Override
    public Path sourceFolder() {
      return folder;
    }

    @Override
    public void run(StepContext ctx) throws Exception {
      Path snapshot = ctx.sourceSnapshot();
      Files.writeString(ctx.outputDir("out").resolve("out.txt"), Files.readString(snapshot.resolve("tool.txt"))
          + (Files.isExecutable(snapshot.resolve("run.sh")) ? "+x" : ""));
    }
  }

  private static Pipeline sourced(Path folder) {
    Pipeline p = Pipeline.named("p");
    p.step("tool").produces("out", Dataset.class).runs(new FromSource(folder));
    return p;
  }

  @Test
  void aSourceFoldersContentIsItsCodeAndTheStepRunsOnASnapshot() throws Exception {
    Path src = Files.createDirectories(tmp.resolve("src"));
    Files.writeString(src.resolve("tool.txt"), "v1");
    Files.writeString(src.resolve("run.sh"), "#!/bin/sh\n");
    src.resolve("run.sh").toFile().setExecutable(true);

    try (Workspace ws = open()) {
      Run first = ws.submit(sourced(src)).await();
      Run same = ws.submit(sourced(src)).await();
      Files.writeString(src.resolve("tool.txt"), "v2");
      Run edited = ws.submit(sourced(src)).await();

      assertThat(first.step("tool").status()).isEqualTo(StepStatus.SUCCEEDED);
      assertThat(Files.readString(Path.of(first.step("tool").outputs().get("out")).resolve("out.txt")))
          .isEqualTo("v1+x");
      assertThat(same.step("tool").status()).isEqualTo(StepStatus.REUSED);
      assertThat(edited.step("tool").status()).isEqualTo(StepStatus.SUCCEEDED);
      assertThat(Files.readString(Path.of(edited.step("tool").outputs().get("out")).resolve("out.txt")))
          .isEqualTo("v2+x");
      assertThat(ws.runs().explain(edited.id(), "tool").differences())
          .containsExactly("source folder: content changed");
    }
  }

  @Test
  void aMissingSourceFolderFailsTheStepNamingIt() {
    Path missing = tmp.resolve("nowhere");
    try (Workspace ws = open()) {
      Run run = ws.submit(sourced(missing)).await();

      assertThat(run.step("tool").status()).isEqualTo(StepStatus.FAILED);
      assertThat(run.step("tool").error()).startsWith("step 'tool': ").contains(missing.toString());
    }
  }

  @Test
  void theScratchFolderIsPrivateToTheAttemptAndGoneAfterTheRun() {
    List<Path> seen = new CopyOnWriteArrayList<>();
    Pipeline p = Pipeline.named("p");
    p.step("a").runs(ctx -> seen.add(Files.writeString(ctx.tempDir().resolve("x"), "a")));
    p.step("b").runs(ctx -> seen.add(Files.writeString(ctx.tempDir().resolve("x"), "b")));

    try (Workspace ws = open()) {
      Run run = ws.submit(p).await();

      assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(seen).hasSize(2).doesNotHaveDuplicates().allSatisfy(path -> assertThat(path).doesNotExist());
    }
  }

  /** Squares each number of a list, one work unit per number, counting what it computes. */
  static final Map<Integer, AtomicInteger> COMPUTED = new ConcurrentHashMap<>();

  static final class Squares implements StepBody {
    @Override
    public void run(StepContext ctx) throws Exception {
      StringBuilder all = new StringBuilder();
      for (String n : Files.readAllLines(ctx.dataset("numbers").singleFile())) {
        String key = "test-unit:" + n;
        Optional<Path> done = ctx.units().find(key);
        Path unit;
        if (done.isPresent()) {
          unit = done.get();
        } else {
          COMPUTED.computeIfAbsent(Integer.parseInt(n), k -> new AtomicInteger()).incrementAndGet();
          Path staged = Files.createDirectories(ctx.tempDir().resolve("unit-" + n));
          Files.writeString(staged.resolve("square"), String.valueOf(Integer.parseInt(n) * Integer.parseInt(n)));
          unit = ctx.units().store(key, staged);
          assertThat(staged).doesNotExist();
        }
        all.append(Files.readString(unit.resolve("square"))).append('\n');
      }
      Files.writeString(ctx.outputDir("squares").resolve("squares.txt"), all);
    }
  }

  @Test
  void workUnitsAreStoredAndReusedOnTheirOwnAcrossRuns() throws Exception {
    COMPUTED.clear();
    Path numbers = tmp.resolve("numbers.txt");
    Pipeline p = Pipeline.named("p");
    p.step("squares").input("numbers", numbers).produces("squares", Dataset.class).runs(Squares.class);

    try (Workspace ws = open()) {
      Files.writeString(numbers, "2\n3\n");
      ws.submit(p).await();
      Files.writeString(numbers, "2\n3\n4\n");
      Run second = ws.submit(p).await();

      assertThat(second.step("squares").status()).isEqualTo(StepStatus.SUCCEEDED);
      assertThat(Files.readString(Path.of(second.step("squares").outputs().get("squares")).resolve("squares.txt")))
          .isEqualTo("4\n9\n16\n");
      assertThat(COMPUTED).containsOnlyKeys(2, 3, 4).allSatisfy((n, count) -> assertThat(count).hasValue(1));
    }
  }

  @Test
  void withReuseOffEveryUnitIsComputedAgain() throws Exception {
    COMPUTED.clear();
    Path numbers = Files.writeString(tmp.resolve("numbers.txt"), "2\n3\n");
    Pipeline p = Pipeline.named("p");
    p.step("squares").input("numbers", numbers).produces("squares", Dataset.class).runs(Squares.class);

    try (Workspace ws = open()) {
      ws.submit(p).await();
      Run again = ws.submit(p, RunOptions.defaults().reuse(false)).await();

      assertThat(again.step("squares").status()).isEqualTo(StepStatus.SUCCEEDED);
      assertThat(COMPUTED).containsOnlyKeys(2, 3).allSatisfy((n, count) -> assertThat(count).hasValue(2));
    }
  }

  @Test
  void gcKeepLastKeepsTheUnitsTheLatestRunsStoredOrUsed() throws Exception {
    COMPUTED.clear();
    Path numbers = tmp.resolve("numbers.txt");
    Pipeline p = Pipeline.named("p");
    p.step("squares").input("numbers", numbers).produces("squares", Dataset.class).runs(Squares.class);

    try (Workspace ws = open()) {
      Files.writeString(numbers, "2\n3\n");
      ws.submit(p).await();
      Files.writeString(numbers, "2\n4\n"); // uses unit 2 again, stores unit 4; unit 3 is only the first run's
      ws.submit(p).await();
      ws.gc(GcOptions.defaults().keepLast(1).grace(java.time.Duration.ZERO));
      Files.writeString(numbers, "2\n3\n4\n");
      Run third = ws.submit(p).await();

      assertThat(third.step("squares").status()).isEqualTo(StepStatus.SUCCEEDED);
      assertThat(COMPUTED.get(2)).hasValue(1);
      assertThat(COMPUTED.get(4)).hasValue(1);
      assertThat(COMPUTED.get(3)).hasValue(2); // its unit went with the first run
    }
  }

  @Test
  void anExecutionKeptFromReuseRunsAgainNextTimeAndExplainSaysWhy() {
    AtomicInteger runs = new AtomicInteger();
    Pipeline p = Pipeline.named("p");
    p.step("partial").produces("n", Long.class).version("1").runs(ctx -> {
      ctx.write("n", 1L);
      if (runs.incrementAndGet() < 3) {
        ctx.keepFromReuse("2 of 10 partitions failed");
      }
    });
    p.step("next").input("n", p.steps().get(0).value("n", Long.class)).produces("m", Long.class)
        .runs(ctx -> ctx.write("m", ctx.value("n", Long.class) + 1));

    try (Workspace ws = open()) {
      Run first = ws.submit(p).await();
      Run second = ws.submit(p).await();
      Run third = ws.submit(p).await(); // complete: from now on there is an entry to reuse
      Run fourth = ws.submit(p).await();

      assertThat(first.status()).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(second.step("partial").status()).isEqualTo(StepStatus.SUCCEEDED);
      assertThat(second.step("next").status()).isEqualTo(StepStatus.REUSED); // same bytes: cut off
      assertThat(third.step("partial").status()).isEqualTo(StepStatus.SUCCEEDED);
      assertThat(fourth.step("partial").status()).isEqualTo(StepStatus.REUSED);
      assertThat(runs).hasValue(3);
      // explain says what was so when the second run ran, whatever came later
      assertThat(ws.runs().explain(second.id(), "partial").reason()).isEqualTo("run " + first.shortId()
          + " has the same fingerprint, but its outputs were kept from reuse: 2 of 10 partitions failed");
    }
  }

  @Test
  void theContextKnowsItsStepAndFingerprint() {
    Map<String, Fingerprint> seen = new ConcurrentHashMap<>();
    Pipeline p = Pipeline.named("p").parameter("k", 1);
    p.step("a").uses("k").runs(ctx -> {
      seen.put("a", ctx.fingerprint());
      assertThat(ctx.step().parameters()).containsExactly("k");
    });

    try (Workspace ws = open()) {
      Run run = ws.submit(p).await();

      assertThat(seen.get("a").hash()).isEqualTo(run.step("a").fingerprint());
      assertThat(seen.get("a").component("param:k")).contains(new Fingerprint.Component("param:k", "1"));
    }
  }
}
