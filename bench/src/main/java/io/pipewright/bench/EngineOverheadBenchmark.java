package io.pipewright.bench;

import io.pipewright.Pipeline;
import io.pipewright.Problem;
import io.pipewright.Run;
import io.pipewright.Step;
import io.pipewright.StepBody;
import io.pipewright.StepRun;
import io.pipewright.StepStatus;
import io.pipewright.Workspace;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
 * The engine's own cost per step: pipelines of {@code steps} no-op steps, run in process on a real {@link Workspace}
 * (a temporary folder with its SQLite run store and recorder thread), so every figure is scheduling, bookkeeping and
 * recording, never the steps' work. Divide a run's time by {@code steps} for the per-step overhead; it should stay
 * flat as {@code steps} grows (no quadratic work) and be under 50 µs at 10,000 steps.
 *
 * <p>Shapes: {@code wide} is {@code steps} independent steps plus one fan-in step ordered after all of them;
 * {@code chain} is {@code steps} steps, each ordered after the previous one. Edges are ordering-only
 * ({@code after(...)}): data edges would add the local datastore's file writes (a manifest per output), which is
 * storage cost, not scheduling cost.
 *
 * <p>Benchmarks: {@link #full} is what a user pays (build, validate, submit, await, including the final store flush);
 * {@link #build} and {@link #validate} are its first two parts alone; {@link #run} is submit and await of a pipeline
 * built beforehand (submit validates again, so it includes one validation).
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms4g", "-Xmx4g"})
@Warmup(iterations = 3)
@Measurement(iterations = 5)
@State(Scope.Benchmark)
public class EngineOverheadBenchmark {
  private static final StepBody NO_OP = ctx -> { };

  @Param({"1000", "10000", "100000"})
  public int steps;

  @Param({"wide", "chain"})
  public String shape;

  private Workspace workspace;
  private Pipeline prebuilt;

  /**
   * A fresh workspace per iteration, so every measured run starts from the same, empty run store; then a collection,
   * so it starts from a collected heap too, with the prebuilt pipeline tenured: GC caused by the run itself still
   * counts, a young collection copying what setup allocated does not.
   */
  @Setup(Level.Iteration)
  public void open() {
    workspace = Workspace.temporary();
    prebuilt = pipeline(shape, steps);
    System.gc();
  }

  @TearDown(Level.Iteration)
  public void close() {
    workspace.close();
    workspace = null;
    prebuilt = null;
  }

  /** Build, validate, submit and await: the whole cost of running a pipeline. */
  @Benchmark
  public Run full() {
    return checked(workspace.submit(pipeline(shape, steps)).await());
  }

  /** Declaring the pipeline only. */
  @Benchmark
  public Pipeline build() {
    return pipeline(shape, steps);
  }

  /** Validating a built pipeline against the workspace (its step snapshot and the whole-graph checks). */
  @Benchmark
  public List<Problem> validate() {
    List<Problem> problems = workspace.validate(prebuilt);
    if (!problems.isEmpty()) {
      throw new IllegalStateException("invalid benchmark pipeline: " + problems);
    }
    return problems;
  }

  /** Submit and await of a pipeline built beforehand. */
  @Benchmark
  public Run run() {
    return checked(workspace.submit(prebuilt).await());
  }

  static Pipeline pipeline(String shape, int steps) {
    Pipeline p = Pipeline.named(shape + "-" + steps);
    switch (shape) {
      case "wide" -> {
        Step[] all = new Step[steps];
        for (int i = 0; i < steps; i++) {
          all[i] = p.step("s" + i).runs(NO_OP);
        }
        p.step("join").after(all).runs(NO_OP);
      }
      case "chain" -> {
        Step previous = p.step("s0").runs(NO_OP);
        for (int i = 1; i < steps; i++) {
          previous = p.step("s" + i).after(previous).runs(NO_OP);
        }
      }
      default -> throw new IllegalArgumentException("unknown shape " + shape);
    }
    return p;
  }

  private Run checked(Run run) {
    int expected = shape.equals("wide") ? steps + 1 : steps;
    // Every step must have run: a REUSED step would measure reuse, not running. Each step's lambda is fingerprinted
    // with its step name and each iteration has a fresh workspace, so nothing can be reused; this checks it.
    if (!run.succeeded() || run.steps().size() != expected
        || !run.steps().stream().allMatch(s -> s.status() == StepStatus.SUCCEEDED)) {
      throw new IllegalStateException("run did not succeed with " + expected + " steps: " + run.status() + ", "
          + run.steps().size() + " steps, " + run.error() + ", statuses " + run.steps().stream()
          .collect(java.util.stream.Collectors.groupingBy(StepRun::status, java.util.stream.Collectors.counting())));
    }
    return run;
  }
}
