package io.pipewright.steps;

import static io.pipewright.steps.ParallelTest.folder;
import static io.pipewright.steps.ParallelTest.logs;
import static io.pipewright.steps.ParallelTest.output;
import static io.pipewright.steps.ParallelTest.pipeline;
import static io.pipewright.steps.ParallelTest.tree;
import static org.assertj.core.api.Assertions.assertThat;

import io.pipewright.Dataset;
import io.pipewright.Fingerprint;
import io.pipewright.Fingerprint.Component;
import io.pipewright.Pipeline;
import io.pipewright.Run;
import io.pipewright.RunOptions;
import io.pipewright.StepContext;
import io.pipewright.StepStatus;
import io.pipewright.Workspace;
import io.pipewright.testing.PipewrightExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Partitions reused on their own: only what changed is computed. */
@ExtendWith(PipewrightExtension.class)
class ParallelReuseTest {
  /** Calls of the partition functions, by partition name; static, so that the functions capture nothing. */
  private static final Map<String, AtomicInteger> CALLS = new ConcurrentHashMap<>();
  /** Partitions that fail, by name. */
  private static final Set<String> FAILING = ConcurrentHashMap.newKeySet();

  @TempDir
  Path dir;

  @BeforeEach
  void reset() {
    CALLS.clear();
    FAILING.clear();
  }

  @Test
  void computesOnlyThePartitionWhoseFileChanged(Workspace ws) throws IOException {
    Path images = folder(dir.resolve("images"), Map.of("a.txt", "ay", "b.txt", "bee", "c.txt", "sea", "d.txt", "dee"));

    Run first = ws.submit(pipeline(images, upper())).await();
    Files.writeString(images.resolve("c.txt"), "see");
    Run second = ws.submit(pipeline(images, upper())).await();
    Run third = ws.submit(pipeline(images, upper())).await();

    assertThat(first.step("score").status()).isEqualTo(StepStatus.SUCCEEDED);
    assertThat(second.step("score").status()).isEqualTo(StepStatus.SUCCEEDED); // its input changed
    assertThat(third.step("score").status()).isEqualTo(StepStatus.REUSED);
    assertThat(calls()).isEqualTo(Map.of("a.txt", 1, "b.txt", 1, "c.txt", 2, "d.txt", 1));
    assertThat(second.step("score").metrics())
        .containsEntry("partitions.total", 4.0).containsEntry("partitions.reused", 3.0);
    assertThat(tree(output(second))).containsExactly(
        Map.entry("part-00000-a.txt/u.txt", "AY"), Map.entry("part-00001-b.txt/u.txt", "BEE"),
        Map.entry("part-00002-c.txt/u.txt", "SEE"), Map.entry("part-00003-d.txt/u.txt", "DEE"));
  }

  @Test
  void computesOnlyTheAddedFileWhenItComesFirst(Workspace ws) throws IOException {
    Path images = folder(dir.resolve("images"), Map.of("b.txt", "bee", "c.txt", "sea"));

    ws.submit(pipeline(images, upper())).await();
    Files.writeString(images.resolve("a.txt"), "ay"); // every index after it moves: the index is not in the key
    Run second = ws.submit(pipeline(images, upper())).await();

    assertThat(calls()).isEqualTo(Map.of("a.txt", 1, "b.txt", 1, "c.txt", 1));
    assertThat(tree(output(second))).containsOnlyKeys(
        "part-00000-a.txt/u.txt", "part-00001-b.txt/u.txt", "part-00002-c.txt/u.txt");
  }

  @Test
  void computesOnlyTheChunkWhoseRowsChanged(Workspace ws) throws IOException {
    Path table = dir.resolve("t.csv");
    Files.writeString(table, "id\n1\n2\n3\n4\n5\n6\n7\n");
    Parallel sum = Parallel.over("images").chunksOf(3).header(true).into("scores").appendRows("sums.txt")
        .apply((partition, out, ctx) -> {
          count(partition.name());
          List<String> lines = Files.readAllLines(partition.file());
          long total = lines.subList(1, lines.size()).stream().mapToLong(Long::parseLong).sum();
          Files.writeString(out.resolve("sum.txt"), Long.toString(total));
        });

    ws.submit(pipeline(table, sum)).await();
    Files.writeString(table, "id\n1\n2\n3\n4\n50\n6\n7\n");
    Run second = ws.submit(pipeline(table, sum)).await();

    assertThat(calls()).isEqualTo(Map.of("t.csv#0-2", 1, "t.csv#3-5", 2, "t.csv#6-6", 1));
    assertThat(Files.readString(output(second).resolve("sums.txt"))).isEqualTo("6\n60\n7\n");
    assertThat(second.step("score").metrics()).containsEntry("partitions.reused", 2.0);
  }

  @Test
  void storesAndReusesAPartitionThatWroteNothing(Workspace ws) throws IOException {
    Path images = folder(dir.resolve("images"), Map.of("a.txt", "ay", "b.txt", "", "c.txt", "sea"));
    Parallel nonEmpty = Parallel.over("images").into("scores").apply((partition, out, ctx) -> {
      count(partition.name());
      String text = Files.readString(partition.file());
      if (!text.isEmpty()) {
        Files.writeString(out.resolve("t.txt"), text);
      }
    });

    Run first = ws.submit(pipeline(images, nonEmpty)).await();
    Files.writeString(images.resolve("c.txt"), "see");
    Run second = ws.submit(pipeline(images, nonEmpty)).await();

    assertThat(tree(output(first))).containsOnlyKeys("part-00000-a.txt/t.txt", "part-00002-c.txt/t.txt");
    assertThat(calls()).isEqualTo(Map.of("a.txt", 1, "b.txt", 1, "c.txt", 2));
    assertThat(second.step("score").metrics()).containsEntry("partitions.reused", 2.0);
  }

  @Test
  void computesEveryPartitionAgainWhenAParameterItUsesChanges(Workspace ws) throws IOException {
    Path images = folder(dir.resolve("images"), Map.of("a.txt", "ay", "b.txt", "bee"));
    Pipeline p = Pipeline.named("repeat").parameter("times", 2);
    p.step("score").input("images", images).produces("scores", Dataset.class).uses("times")
        .runs(Parallel.over("images").into("scores").apply((partition, out, ctx) -> {
          count(partition.name());
          Files.writeString(out.resolve("r.txt"), Files.readString(partition.file()).repeat(ctx.intParam("times")));
        }));

    ws.submit(p).await();
    Run second = ws.submit(p, Map.of("times", 3)).await();

    assertThat(calls()).isEqualTo(Map.of("a.txt", 2, "b.txt", 2));
    assertThat(tree(output(second))).containsEntry("part-00000-a.txt/r.txt", "ayayay");
  }

  @Test
  void computesEveryPartitionAgainWhenAnotherInputChanges(Workspace ws) throws IOException {
    Path images = folder(dir.resolve("images"), Map.of("a.txt", "ay", "b.txt", "bee"));
    Path suffix = Files.writeString(dir.resolve("suffix.txt"), "!");
    Pipeline p = Pipeline.named("suffix");
    p.step("score").input("images", images).input("suffix", suffix).produces("scores", Dataset.class)
        .runs(Parallel.over("images").into("scores").apply((partition, out, ctx) -> {
          count(partition.name());
          Files.writeString(out.resolve("s.txt"), Files.readString(partition.file())
              + Files.readString(ctx.input("suffix")));
        }));

    ws.submit(p).await();
    Files.writeString(suffix, "?");
    Run second = ws.submit(p).await();

    assertThat(calls()).isEqualTo(Map.of("a.txt", 2, "b.txt", 2));
    assertThat(tree(output(second))).containsEntry("part-00001-b.txt/s.txt", "bee?");
  }

  @Test
  void keepsThePartitionsOfAnotherFunctionApart(Workspace ws) throws IOException {
    Path images = folder(dir.resolve("images"), Map.of("a.txt", "ay"));

    Run upper = ws.submit(pipeline(images, Parallel.over("images").into("scores").apply(Upper.class))).await();
    Run lower = ws.submit(pipeline(images, Parallel.over("images").into("scores").apply(Lower.class))).await();

    assertThat(tree(output(upper))).containsExactly(Map.entry("part-00000-a.txt/x.txt", "AY"));
    assertThat(tree(output(lower))).containsExactly(Map.entry("part-00000-a.txt/x.txt", "ay"));
    assertThat(calls()).isEqualTo(Map.of("upper a.txt", 1, "lower a.txt", 1));
  }

  @Test
  void reusesTheStepWhenOnlyConcurrencyRetriesOrThresholdChange(Workspace ws) throws IOException {
    Path images = folder(dir.resolve("images"), Map.of("a.txt", "ay", "b.txt", "bee"));

    ws.submit(pipeline(images, upper())).await();
    Parallel tuned = Parallel.over("images").into("scores").maxConcurrency(1).partitionRetries(3).errorThreshold(1)
        .apply(ParallelReuseTest::upperCase);
    Run second = ws.submit(pipeline(images, tuned)).await();

    assertThat(second.step("score").status()).isEqualTo(StepStatus.REUSED);
  }

  @Test
  void runsAPartialSuccessAgainComputingOnlyTheFailedPartitions(Workspace ws) throws IOException {
    Path images = folder(dir.resolve("images"), Map.of("a.txt", "ay", "b.txt", "bee", "c.txt", "sea"));
    Parallel tolerant = Parallel.over("images").into("scores").errorThreshold(1).apply(ParallelReuseTest::upperCase);
    FAILING.add("b.txt");

    Run partial = ws.submit(pipeline(images, tolerant)).await();
    FAILING.clear();
    Run completed = ws.submit(pipeline(images, tolerant)).await();
    Run same = ws.submit(pipeline(images, tolerant)).await();

    assertThat(partial.step("score").status()).isEqualTo(StepStatus.SUCCEEDED);
    assertThat(tree(output(partial))).containsOnlyKeys("part-00000-a.txt/u.txt", "part-00002-c.txt/u.txt");
    // The partial output was kept from reuse: the same fingerprint runs the step again, computing b.txt only.
    assertThat(completed.step("score").status()).isEqualTo(StepStatus.SUCCEEDED);
    assertThat(tree(output(completed))).containsOnlyKeys(
        "part-00000-a.txt/u.txt", "part-00001-b.txt/u.txt", "part-00002-c.txt/u.txt");
    assertThat(calls()).isEqualTo(Map.of("a.txt", 1, "b.txt", 2, "c.txt", 1));
    assertThat(completed.step("score").metrics()).containsEntry("partitions.reused", 2.0)
        .containsEntry("partitions.failed", 0.0);
    // Complete now: reused as any step.
    assertThat(same.step("score").status()).isEqualTo(StepStatus.REUSED);
  }

  @Test
  void computesEveryPartitionAgainWhenReuseIsOff(Workspace ws) throws IOException {
    Path images = folder(dir.resolve("images"), Map.of("a.txt", "ay", "b.txt", "bee"));

    ws.submit(pipeline(images, upper())).await();
    Run again = ws.submit(pipeline(images, upper()), RunOptions.defaults().reuse(false)).await();

    assertThat(again.step("score").status()).isEqualTo(StepStatus.SUCCEEDED);
    assertThat(calls()).isEqualTo(Map.of("a.txt", 2, "b.txt", 2));
    assertThat(again.step("score").metrics()).containsEntry("partitions.reused", 0.0);
    assertThat(tree(output(again))).containsExactly(
        Map.entry("part-00000-a.txt/u.txt", "AY"), Map.entry("part-00001-b.txt/u.txt", "BEE"));
  }

  @Test
  void computesAgainOnlyThePartitionThatKeptItsResultFromReuse(Workspace ws) throws IOException {
    Path images = folder(dir.resolve("images"), Map.of("a.txt", "ay", "b.txt", "bee", "c.txt", "sea"));
    Parallel degraded = Parallel.over("images").into("scores").apply((partition, out, ctx) -> {
      count(partition.name());
      boolean rateLimited = partition.name().equals("b.txt") && CALLS.get("b.txt").get() <= 2;
      if (rateLimited) {
        ctx.keepFromReuse("rate limited, scored offline");
      }
      Files.writeString(out.resolve("u.txt"), rateLimited ? "?" : Files.readString(partition.file()).toUpperCase());
    });

    Run first = ws.submit(pipeline(images, degraded)).await();
    Run second = ws.submit(pipeline(images, degraded)).await(); // b.txt is rate limited again
    // Asked before the third run stores a complete output under the same fingerprint: explain compares with the
    // cache as it is when asked.
    String explained = ws.runs().explain(second.id(), "score").reason();
    Run third = ws.submit(pipeline(images, degraded)).await();

    assertThat(first.step("score").status()).isEqualTo(StepStatus.SUCCEEDED);
    assertThat(tree(output(first))).containsEntry("part-00001-b.txt/u.txt", "?").hasSize(3);
    assertThat(logs(ws, first, "INFO")).contains("partition 1 'b.txt' keeps its result from reuse: rate limited,"
        + " scored offline");
    assertThat(second.step("score").status()).isEqualTo(StepStatus.SUCCEEDED);
    assertThat(explained).isEqualTo("run " + first.id().substring(0, 8)
        + " has the same fingerprint, but its outputs were kept from reuse: 1 of 3 partitions kept their results"
        + " from reuse: partition 1 'b.txt': rate limited, scored offline");
    assertThat(third.step("score").status()).isEqualTo(StepStatus.SUCCEEDED);
    assertThat(tree(output(third))).containsEntry("part-00001-b.txt/u.txt", "BEE");
    assertThat(calls()).isEqualTo(Map.of("a.txt", 1, "b.txt", 3, "c.txt", 1));
    assertThat(third.step("score").metrics()).containsEntry("partitions.reused", 2.0);
  }

  @Test
  void reusesNoPartitionOfAFunctionWithoutCanonicalState(Workspace ws) throws IOException {
    Path images = folder(dir.resolve("images"), Map.of("a.txt", "ay", "b.txt", "bee"));
    Parallel opaque = Parallel.over("images").into("scores").apply(new Opaque());

    Run first = ws.submit(pipeline(images, opaque)).await();
    Run second = ws.submit(pipeline(images, opaque)).await();

    assertThat(first.step("score").status()).isEqualTo(StepStatus.SUCCEEDED);
    assertThat(second.step("score").status()).isEqualTo(StepStatus.SUCCEEDED);
    assertThat(calls()).isEqualTo(Map.of("a.txt", 2, "b.txt", 2));
    assertThat(tree(output(second))).containsExactly(
        Map.entry("part-00000-a.txt/u.txt", "AY"), Map.entry("part-00001-b.txt/u.txt", "BEE"));
    assertThat(logs(ws, second, "WARN")).contains("partitions are not reused: the step's fingerprint holds no"
        + " canonical state of its body and no version(...) vouches for it -- give the partition function as a"
        + " lambda, a record or a class");
  }

  @Test
  void reusesThePartitionsOfAFunctionWithoutCanonicalStateWhenAVersionVouchesForIt(Workspace ws) throws IOException {
    Path images = folder(dir.resolve("images"), Map.of("a.txt", "ay", "b.txt", "bee"));
    Pipeline p = Pipeline.named("vouched");
    p.step("score").input("images", images).produces("scores", Dataset.class).version("1")
        .runs(Parallel.over("images").into("scores").apply(new Opaque()));

    ws.submit(p).await();
    Files.writeString(images.resolve("c.txt"), "sea");
    Run second = ws.submit(p).await();

    assertThat(calls()).isEqualTo(Map.of("a.txt", 1, "b.txt", 1, "c.txt", 1));
    assertThat(second.step("score").metrics()).containsEntry("partitions.reused", 2.0);
  }

  // ---- the key

  @Test
  void pinsTheEncodingOfThePartitionKey() {
    PartitionKey keys = PartitionKey.of(fingerprint("input:images", "sha256:aaa"), "images", "files").orElseThrow();

    // Computed apart from this code, from the encoding PartitionKey describes. Changing it invalidates every stored
    // partition of every user: only ever on purpose.
    assertThat(keys.of("a.txt", "sha256:0123"))
        .isEqualTo("sha256:4b04a8eecd9dfbc237e89d8b0099aa181631ff904ecb4d9dfbff17e55b864eb4");
  }

  @Test
  void leavesOnlyThePartitionedInputOutOfTheKey() {
    String key = key(fingerprint("input:images", "sha256:aaa"), "files", "a.txt", "sha256:1");

    assertThat(key(fingerprint("input:images", "sha256:bbb"), "files", "a.txt", "sha256:1")).isEqualTo(key);
    assertThat(key(fingerprint("input:other", "sha256:aaa"), "files", "a.txt", "sha256:1")).isNotEqualTo(key);
    assertThat(key(fingerprint("input:images", "sha256:aaa"), "chunks rows=2 header=false", "a.txt", "sha256:1"))
        .isNotEqualTo(key);
    assertThat(key(fingerprint("input:images", "sha256:aaa"), "files", "b.txt", "sha256:1")).isNotEqualTo(key);
    assertThat(key(fingerprint("input:images", "sha256:aaa"), "files", "a.txt", "sha256:2")).isNotEqualTo(key);
  }

  @Test
  void givesNoKeysForABodyWithoutCanonicalStateUnlessAVersionVouchesForIt() {
    Fingerprint opaque = new Fingerprint("sha256:x", List.of(new Component("code:class:X", "sha256:c")));
    Fingerprint vouched = new Fingerprint("sha256:x", List.of(new Component("code:class:X", "sha256:c"),
        new Component("code:version", "1")));
    Fingerprint unreadable = new Fingerprint("sha256:x", List.of(new Component("code:state", "{}"),
        new Component("code:unreadable", "X")));

    assertThat(PartitionKey.of(opaque, "images", "files")).isEmpty();
    assertThat(PartitionKey.of(unreadable, "images", "files")).isEmpty();
    assertThat(PartitionKey.of(vouched, "images", "files")).isPresent();
  }

  // ---- helpers

  private static Fingerprint fingerprint(String input, String hash) {
    return new Fingerprint("sha256:x", List.of(new Component("code:class:X", "sha256:c"),
        new Component("code:state", "{\"input\":\"images\"}"), new Component("env:target", "local"),
        new Component(input, hash), new Component("param:k", "3")));
  }

  private static String key(Fingerprint fingerprint, String partitioning, String name, String hash) {
    return PartitionKey.of(fingerprint, "images", partitioning).orElseThrow().of(name, hash);
  }

  private static Parallel upper() {
    return Parallel.over("images").into("scores").maxConcurrency(2).apply(ParallelReuseTest::upperCase);
  }

  private static void upperCase(Partition partition, Path out, StepContext ctx) throws IOException {
    count(partition.name());
    if (FAILING.contains(partition.name())) {
      throw new IllegalStateException("failing " + partition.name());
    }
    Files.writeString(out.resolve("u.txt"), Files.readString(partition.file()).toUpperCase());
  }

  private static void count(String name) {
    CALLS.computeIfAbsent(name, n -> new AtomicInteger()).incrementAndGet();
  }

  private static Map<String, Integer> calls() {
    Map<String, Integer> calls = new java.util.TreeMap<>();
    CALLS.forEach((name, n) -> calls.put(name, n.get()));
    return calls;
  }

  static final class Upper implements PartitionFunction {
    @Override
    public void run(Partition partition, Path out, StepContext ctx) throws IOException {
      count("upper " + partition.name());
      Files.writeString(out.resolve("x.txt"), Files.readString(partition.file()).toUpperCase());
    }
  }

  static final class Lower implements PartitionFunction {
    @Override
    public void run(Partition partition, Path out, StepContext ctx) throws IOException {
      count("lower " + partition.name());
      Files.writeString(out.resolve("x.txt"), Files.readString(partition.file()).toLowerCase());
    }
  }

  /** An instance of an ordinary class: it has no canonical state. */
  static final class Opaque implements PartitionFunction {
    @Override
    public void run(Partition partition, Path out, StepContext ctx) throws IOException {
      upperCase(partition, out, ctx);
    }
  }
}
