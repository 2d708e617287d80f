package io.pipewright.steps;

import static io.pipewright.steps.ParallelTest.folder;
import static io.pipewright.steps.ParallelTest.logs;
import static io.pipewright.steps.ParallelTest.output;
import static io.pipewright.steps.ParallelTest.pipeline;
import static io.pipewright.steps.ParallelTest.tree;
import static org.assertj.core.api.Assertions.assertThat;

import io.pipewright.Dataset;
import io.pipewright.Pipeline;
import io.pipewright.RetryPolicy;
import io.pipewright.Run;
import io.pipewright.StepContext;
import io.pipewright.StepException;
import io.pipewright.StepRun;
import io.pipewright.StepStatus;
import io.pipewright.Workspace;
import io.pipewright.testing.PipewrightExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Partition retries, the error threshold, and stopping. */
@ExtendWith(PipewrightExtension.class)
class ParallelFailureTest {
  /** Calls of the partition function, by partition name. */
  private static final Map<String, AtomicInteger> CALLS = new ConcurrentHashMap<>();
  /** Partitions that always fail, by name. */
  private static final Set<String> FAILING = ConcurrentHashMap.newKeySet();
  /** Partitions that fail on their first calls: how many calls fail, by name. */
  private static final Map<String, Integer> FLAKY = new ConcurrentHashMap<>();
  /** Partitions that fail without retries, by name. */
  private static final Set<String> MALFORMED = ConcurrentHashMap.newKeySet();
  /** Partitions that wait until they are interrupted, by name. */
  private static final Set<String> BLOCKING = ConcurrentHashMap.newKeySet();
  private static final AtomicInteger INTERRUPTED = new AtomicInteger();

  @TempDir
  Path dir;

  @BeforeEach
  void reset() {
    CALLS.clear();
    FAILING.clear();
    FLAKY.clear();
    MALFORMED.clear();
    BLOCKING.clear();
    INTERRUPTED.set(0);
  }

  @Test
  void succeedsWithoutTheFailedPartitionsWithinTheErrorThreshold(Workspace ws) throws IOException {
    FAILING.add("b.txt");

    Run run = ws.submit(pipeline(files("a", "b", "c"), work(b -> b.errorThreshold(1)))).await();

    assertThat(run.step("score").status()).isEqualTo(StepStatus.SUCCEEDED);
    assertThat(tree(output(run))).containsExactly(
        Map.entry("part-00000-a.txt/w.txt", "A"), Map.entry("part-00002-c.txt/w.txt", "C"));
    assertThat(run.step("score").metrics()).isEqualTo(
        Map.of("partitions.total", 3.0, "partitions.failed", 1.0, "partitions.reused", 0.0));
    assertThat(logs(ws, run, "WARN")).containsExactly(
        "partition 1 'b.txt' failed after 1 attempt, its results are left out: IllegalStateException: failing b.txt");
  }

  @Test
  void runsAPartialSuccessAgainInTheNextRunComputingOnlyTheFailedPartitions(Workspace ws) throws IOException {
    FAILING.add("b.txt");
    Path images = files("a", "b", "c");

    Run partial = ws.submit(pipeline(images, work(b -> b.errorThreshold(1)))).await();
    Run again = ws.submit(pipeline(images, work(b -> b.errorThreshold(1)))).await();

    // Still failing: the next run is partial again, and again not reused.
    assertThat(partial.step("score").status()).isEqualTo(StepStatus.SUCCEEDED);
    assertThat(again.step("score").status()).isEqualTo(StepStatus.SUCCEEDED);
    assertThat(calls()).isEqualTo(Map.of("a.txt", 1, "b.txt", 2, "c.txt", 1));
    assertThat(again.step("score").metrics()).isEqualTo(
        Map.of("partitions.total", 3.0, "partitions.failed", 1.0, "partitions.reused", 2.0));
    assertThat(tree(output(again))).isEqualTo(tree(output(partial)));
    assertThat(ws.runs().explain(again.id(), "score").reason()).isEqualTo("run " + partial.id().substring(0, 8)
        + " has the same fingerprint, but its outputs were kept from reuse: 1 of 3 partitions failed: partition 1"
        + " 'b.txt': IllegalStateException: failing b.txt");
  }

  @Test
  void failsNamingTheCountAndTheFailedPartitionsWhenMoreThanTheThresholdFail(Workspace ws) throws IOException {
    FAILING.addAll(Set.of("b.txt", "d.txt", "e.txt"));

    StepRun step = ws.submit(pipeline(files("a", "b", "c", "d", "e"),
        work(b -> b.errorThreshold(2).maxConcurrency(1)))).await().step("score");

    assertThat(step.status()).isEqualTo(StepStatus.FAILED);
    assertThat(step.error()).isEqualTo("3 of 5 partitions failed, more than the error threshold 2:"
        + " partition 1 'b.txt': IllegalStateException: failing b.txt;"
        + " partition 3 'd.txt': IllegalStateException: failing d.txt;"
        + " partition 4 'e.txt': IllegalStateException: failing e.txt");
    assertThat(step.metrics()).containsEntry("partitions.failed", 3.0);
  }

  @Test
  void failsWhenEveryPartitionFailsWhateverTheThreshold(Workspace ws) throws IOException {
    FAILING.addAll(Set.of("a.txt", "b.txt", "c.txt", "d.txt", "e.txt"));

    StepRun step = ws.submit(pipeline(files("a", "b", "c", "d", "e"), work(b -> b.errorThreshold(100))))
        .await().step("score");

    assertThat(step.status()).isEqualTo(StepStatus.FAILED);
    assertThat(step.error()).isEqualTo("all 5 partitions failed:"
        + " partition 0 'a.txt': IllegalStateException: failing a.txt;"
        + " partition 1 'b.txt': IllegalStateException: failing b.txt;"
        + " partition 2 'c.txt': IllegalStateException: failing c.txt; and 2 more");
  }

  @Test
  void stopsLaunchingAndInterruptsRunningPartitionsOnceTooManyFailed(Workspace ws) throws IOException {
    FAILING.add("b.txt");
    BLOCKING.add("c.txt");
    long start = System.nanoTime();

    StepRun step = ws.submit(pipeline(files("a", "b", "c", "d"), work(b -> b.maxConcurrency(1)))).await()
        .step("score");

    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    assertThat(step.error()).isEqualTo("1 partition failed, more than the error threshold 0 (stopped with 2 of 4"
        + " done): partition 1 'b.txt': IllegalStateException: failing b.txt");
    assertThat(calls()).doesNotContainKey("d.txt");
  }

  @Test
  void retriesAFailedPartitionInAFreshFolder(Workspace ws) throws IOException {
    FLAKY.put("b.txt", 2);

    Run run = ws.submit(pipeline(files("a", "b"), work(b -> b.partitionRetries(2)))).await();

    assertThat(run.step("score").status()).isEqualTo(StepStatus.SUCCEEDED);
    assertThat(tree(output(run))).containsExactly(
        Map.entry("part-00000-a.txt/w.txt", "A"), Map.entry("part-00001-b.txt/w.txt", "B"));
    assertThat(calls()).isEqualTo(Map.of("a.txt", 1, "b.txt", 3));
    assertThat(logs(ws, run, "INFO")).contains(
        "partition 1 'b.txt' failed (attempt 1 of 3), trying again: IllegalStateException: flaky b.txt",
        "partition 1 'b.txt' failed (attempt 2 of 3), trying again: IllegalStateException: flaky b.txt");
  }

  @Test
  void failsWhenAPartitionStillFailsAfterItsRetries(Workspace ws) throws IOException {
    FAILING.add("b.txt");

    StepRun step = ws.submit(pipeline(files("a", "b"), work(b -> b.partitionRetries(1).maxConcurrency(1))))
        .await().step("score");

    assertThat(step.error()).isEqualTo("1 of 2 partitions failed, more than the error threshold 0:"
        + " partition 1 'b.txt': IllegalStateException: failing b.txt");
    assertThat(calls()).isEqualTo(Map.of("a.txt", 1, "b.txt", 2));
  }

  @Test
  void retriesNeitherPartitionNorStepForANonRetryableFailure(Workspace ws) throws IOException {
    MALFORMED.add("b.txt");
    Pipeline p = Pipeline.named("malformed");
    p.step("score").input("images", files("a", "b")).produces("scores", Dataset.class)
        .retry(RetryPolicy.retries(2).withBackoff(Duration.ZERO))
        .runs(work(b -> b.partitionRetries(3).maxConcurrency(1)));

    StepRun step = ws.submit(p).await().step("score");

    assertThat(step.attempts()).isEqualTo(1);
    assertThat(step.error()).isEqualTo("1 of 2 partitions failed, more than the error threshold 0:"
        + " partition 1 'b.txt': b.txt: malformed");
    assertThat(calls()).isEqualTo(Map.of("a.txt", 1, "b.txt", 1));
  }

  @Test
  void retriesTheStepWithThePartitionsThatSucceededReused(Workspace ws) throws IOException {
    FLAKY.put("b.txt", 1);
    Pipeline p = Pipeline.named("retried");
    p.step("score").input("images", files("a", "b")).produces("scores", Dataset.class)
        // Stored partitions are recorded in the run store in the background: the retry waits for that a moment.
        .retry(RetryPolicy.retries(1).withBackoff(Duration.ofMillis(300)))
        .runs(work(b -> b.maxConcurrency(1)));

    Run run = ws.submit(p).await();

    assertThat(run.step("score").status()).isEqualTo(StepStatus.SUCCEEDED);
    assertThat(run.step("score").attempts()).isEqualTo(2);
    assertThat(calls()).isEqualTo(Map.of("a.txt", 1, "b.txt", 2));
    assertThat(run.step("score").metrics()).containsEntry("partitions.reused", 1.0);
  }

  @Test
  void interruptsRunningPartitionsWhenTheStepTimesOut(Workspace ws) throws Exception {
    BLOCKING.addAll(Set.of("a.txt", "b.txt", "c.txt"));
    Pipeline p = Pipeline.named("slow");
    p.step("score").input("images", files("a", "b", "c")).produces("scores", Dataset.class)
        .timeout(Duration.ofMillis(300))
        .runs(work(b -> b.maxConcurrency(3)));
    long start = System.nanoTime();

    StepRun step = ws.submit(p).await().step("score");

    assertThat(step.status()).isEqualTo(StepStatus.FAILED);
    assertThat(step.error()).isEqualTo("step 'score' timed out after 300 ms");
    for (int i = 0; i < 100 && INTERRUPTED.get() < 3; i++) {
      Thread.sleep(50); // the run ends when the step is interrupted, not when its partitions have stopped
    }
    assertThat(INTERRUPTED).hasValue(3);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
  }

  // ---- helpers

  private Path files(String... names) throws IOException {
    Map<String, String> files = new TreeMap<>();
    for (String name : names) {
      files.put(name + ".txt", name);
    }
    return folder(dir.resolve("images"), files);
  }

  private static Parallel work(java.util.function.UnaryOperator<Parallel.Builder> settings) {
    return settings.apply(Parallel.over("images").into("scores")).apply(ParallelFailureTest::work);
  }

  /** Upper-cases a file, or fails, or blocks, as the static sets say. */
  private static void work(Partition partition, Path out, StepContext ctx) throws Exception {
    String name = partition.name();
    int call = CALLS.computeIfAbsent(name, n -> new AtomicInteger()).incrementAndGet();
    try (var files = Files.list(out)) {
      if (files.findAny().isPresent()) {
        throw new IllegalStateException("the output folder of " + partition + " is not empty");
      }
    }
    Files.writeString(out.resolve("junk.txt"), "a failed attempt leaves this behind");
    if (FAILING.contains(name)) {
      throw new IllegalStateException("failing " + name);
    }
    if (call <= FLAKY.getOrDefault(name, 0)) {
      throw new IllegalStateException("flaky " + name);
    }
    if (MALFORMED.contains(name)) {
      throw StepException.nonRetryable(name + ": malformed");
    }
    if (BLOCKING.contains(name)) {
      try {
        Thread.sleep(30_000);
      } catch (InterruptedException e) {
        INTERRUPTED.incrementAndGet();
        throw e;
      }
    }
    Files.delete(out.resolve("junk.txt"));
    Files.writeString(out.resolve("w.txt"), Files.readString(partition.file()).toUpperCase());
  }

  private static Map<String, Integer> calls() {
    Map<String, Integer> calls = new TreeMap<>();
    CALLS.forEach((name, n) -> calls.put(name, n.get()));
    return calls;
  }
}
