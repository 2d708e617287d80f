package io.pipewright.bench;

import io.pipewright.Pipeline;
import io.pipewright.Run;
import io.pipewright.RunEvent;
import io.pipewright.RunHandle;
import io.pipewright.RunOptions;
import io.pipewright.Workspace;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where the time of one run of {@link EngineOverheadBenchmark}'s pipelines goes, by simple manual timing: wall-clock
 * phases (build, validate, submit, until the engine ends the run, until the store is flushed and {@code await}
 * returns) and CPU time by thread (caller, the {@code local} pool, the recorder) and GC time. CPU time is little
 * disturbed by other load on a shared machine, so it tells whether per-step work grows with the number of steps
 * better than wall time does. A diagnostic, not a JMH benchmark.
 *
 * <p>Usage: {@code RunBreakdown [shapes] [step counts] [warmup runs] [measured runs]}, e.g.
 * {@code RunBreakdown wide,chain 1000,10000,100000 3 5}. Prints medians, in microseconds per step.
 */
public final class RunBreakdown {

  private RunBreakdown() {}

  /** One run's figures, in nanoseconds. */
  private record Sample(long build, long validate, long submit, long engineDone, long flushed, long callerCpu,
      long poolCpu, long recorderCpu, long gc) {}

  public static void main(String[] args) {
    List<String> shapes = List.of((args.length > 0 ? args[0] : "wide,chain").split(","));
    int[] counts = Arrays.stream((args.length > 1 ? args[1] : "1000,10000,100000").split(","))
        .mapToInt(Integer::parseInt).toArray();
    int warmup = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    int measured = args.length > 3 ? Integer.parseInt(args[3]) : 5;

    System.out.printf(Locale.ROOT, "medians of %d runs: wall µs/step by phase | CPU µs/step by thread | GC%n",
        measured);
    System.out.printf(Locale.ROOT, "%-6s %7s %9s | %8s %8s %8s %8s %8s | %8s %8s %8s | %8s%n", "shape", "N", "run ms",
        "build", "validate", "submit", "engine", "flush", "caller", "pool", "recorder", "gc");
    for (String shape : shapes) {
      for (int n : counts) {
        for (int i = 0; i < warmup; i++) {
          once(shape, n);
        }
        List<Sample> samples = new ArrayList<>();
        for (int i = 0; i < measured; i++) {
          samples.add(once(shape, n));
        }
        double total = Measures.median(samples, s -> s.build + s.validate + s.submit + s.engineDone + s.flushed);
        System.out.printf(Locale.ROOT, "%-6s %7d %9.1f | %8.2f %8.2f %8.2f %8.2f %8.2f | %8.2f %8.2f %8.2f | %8.2f%n",
            shape, n, total / 1e6, perStep(samples, Sample::build, n), perStep(samples, Sample::validate, n),
            perStep(samples, Sample::submit, n), perStep(samples, Sample::engineDone, n),
            perStep(samples, Sample::flushed, n), perStep(samples, Sample::callerCpu, n),
            perStep(samples, Sample::poolCpu, n), perStep(samples, Sample::recorderCpu, n),
            perStep(samples, Sample::gc, n));
      }
    }
  }

  private static Sample once(String shape, int n) {
    System.gc(); // between runs, not inside them: each run starts from a collected heap
    try (Workspace ws = Workspace.temporary()) {
      long gc0 = gcNanos();
      long cpu0 = Measures.THREADS.getCurrentThreadCpuTime();
      long t0 = System.nanoTime();
      Pipeline p = EngineOverheadBenchmark.pipeline(shape, n);
      long t1 = System.nanoTime();
      if (!ws.validate(p).isEmpty()) {
        throw new IllegalStateException("invalid pipeline");
      }
      long t2 = System.nanoTime();
      AtomicLong finished = new AtomicLong();
      RunHandle handle = ws.submit(p, RunOptions.defaults().listener(e -> {
        if (e instanceof RunEvent.RunFinished) {
          finished.set(System.nanoTime());
        }
      }));
      long t3 = System.nanoTime();
      Run run = handle.await();
      long t4 = System.nanoTime();
      long callerCpu = Measures.THREADS.getCurrentThreadCpuTime() - cpu0;
      long gc = gcNanos() - gc0;
      if (!run.succeeded()) {
        throw new IllegalStateException("run failed: " + run.error());
      }
      long done = Math.max(finished.get(), t3);
      return new Sample(t1 - t0, t2 - t1, t3 - t2, done - t3, t4 - done, callerCpu,
          Measures.cpuOf("pipewright-local-"), Measures.cpuOf("pipewright-recorder-"), gc);
    }
  }


  private static long gcNanos() {
    long millis = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      millis += Math.max(0, gc.getCollectionTime());
    }
    return millis * 1_000_000;
  }

  private static double perStep(List<Sample> samples, java.util.function.ToLongFunction<Sample> f, int n) {
    return Measures.median(samples, f) / 1000.0 / n;
  }


}
