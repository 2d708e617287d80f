package io.pipewright.bench;

import io.pipewright.Dataset;
import io.pipewright.Pipeline;
import io.pipewright.Run;
import io.pipewright.Step;
import io.pipewright.StepBody;
import io.pipewright.StepContext;
import io.pipewright.StepRun;
import io.pipewright.StepStatus;
import io.pipewright.Workspace;
import java.nio.file.Files;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Deciding that a pipeline is fully reusable (the reuse issue's target: under 100 ms for 1,000 steps). Setup opens a
 * temporary workspace and runs the pipeline once, so every step leaves a cache entry and stored outputs; each
 * measured operation then submits the same pipeline again and awaits it, and every step must come out REUSED. So one
 * operation is, per step: fingerprinting (the body's code identity, from the resolver's cache after setup; the input
 * hash; SHA-256 over the components), the StepFingerprinted event, the cache lookup in the run store, the check that
 * the entry's outputs are intact (manifest read and, for files, size and hash check), the metrics query, and the
 * recording of the REUSED step; plus the run's own planning and the final store flush that {@code await} waits for.
 *
 * <p>The pipeline is a chain of {@code steps} steps joined by data edges: step 0 writes 0, step i reads step i-1's
 * output and writes its value plus one, so every step has its own fingerprint through its input's content hash, as
 * in a real pipeline (the body is a class, not a lambda, so the step name is not part of the fingerprint).
 * {@code output}: {@code value} stores an Integer (a manifest only); {@code dataset} stores a folder with one small
 * file, whose reuse also checks the file's size and hash.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@Warmup(iterations = 10)
@Measurement(iterations = 20)
@State(Scope.Benchmark)
public class ReuseDecisionBenchmark {
  @Param({"1000"})
  public int steps;

  @Param({"value", "dataset"})
  public String output;

  private Workspace workspace;
  private Pipeline pipeline;

  /** Step 0 of the value chain: writes 0. */
  public static final class First implements StepBody {
    @Override
    public void run(StepContext ctx) {
      ctx.write("n", 0);
    }
  }

  /** Every later step of the value chain: its input plus one. */
  public static final class Next implements StepBody {
    @Override
    public void run(StepContext ctx) {
      ctx.write("n", ctx.value("in", Integer.class) + 1);
    }
  }

  /** Step 0 of the dataset chain: a folder with one file holding "0". */
  public static final class FirstFile implements StepBody {
    @Override
    public void run(StepContext ctx) throws Exception {
      Files.writeString(ctx.outputDir("data").resolve("n.txt"), "0");
    }
  }

  /** Every later step of the dataset chain: its input's number plus one. */
  public static final class NextFile implements StepBody {
    @Override
    public void run(StepContext ctx) throws Exception {
      Dataset in = ctx.dataset("in");
      int n = Integer.parseInt(Files.readString(in.file("n.txt")).trim());
      Files.writeString(ctx.outputDir("data").resolve("n.txt"), Integer.toString(n + 1));
    }
  }

  static Pipeline pipeline(String output, int steps) {
    Pipeline p = Pipeline.named("reuse-" + output + "-" + steps);
    boolean files = output.equals("dataset");
    Step previous = files ? p.step("s0").produces("data", Dataset.class).runs(FirstFile.class)
        : p.step("s0").produces("n", Integer.class).runs(First.class);
    for (int i = 1; i < steps; i++) {
      previous = files
          ? p.step("s" + i).input("in", previous.dataset("data")).produces("data", Dataset.class).runs(NextFile.class)
          : p.step("s" + i).input("in", previous.value("n", Integer.class)).produces("n", Integer.class)
              .runs(Next.class);
    }
    return p;
  }

  /** A workspace in a temporary folder where the pipeline has run once: every step has a cache entry. */
  @Setup(Level.Trial)
  public void open() {
    workspace = Workspace.temporary();
    pipeline = pipeline(output, steps);
    checked(workspace.submit(pipeline).await(), StepStatus.SUCCEEDED, steps);
  }

  @Setup(Level.Iteration)
  public void collect() {
    System.gc();
  }

  @TearDown(Level.Trial)
  public void close() {
    workspace.close();
  }

  /** Submit and await of the same pipeline again: every step must be REUSED. */
  @Benchmark
  public Run reuseAll() {
    return checked(workspace.submit(pipeline).await(), StepStatus.REUSED, steps);
  }

  static Run checked(Run run, StepStatus expected, int steps) {
    if (!run.succeeded() || run.steps().size() != steps
        || !run.steps().stream().allMatch(s -> s.status() == expected)) {
      Map<StepStatus, Long> statuses = run.steps().stream()
          .collect(Collectors.groupingBy(StepRun::status, Collectors.counting()));
      throw new IllegalStateException("expected " + steps + " " + expected + " steps, got " + run.status() + " "
          + statuses + ", " + run.error());
    }
    return run;
  }
}
