package io.pipewright.bench;

import io.pipewright.Pipeline;
import io.pipewright.Run;
import io.pipewright.RunEvent;
import io.pipewright.RunHandle;
import io.pipewright.RunOptions;
import io.pipewright.StepStatus;
import io.pipewright.Workspace;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where the time of {@link ReuseDecisionBenchmark}'s operation goes, by manual timing: wall-clock phases (submit, from
 * submit returning until the engine ends the run, then until the store is flushed and {@code await} returns) and CPU
 * time of the caller and the recorder thread. In a fully reused run every step is decided on the thread that
 * submits (the first) or that finishes the previous decision, so the engine phase is the decision itself. Run it
 * under JFR to split the engine phase into fingerprinting, cache lookup and output verification. A diagnostic, not
 * a JMH benchmark.
 *
 * <p>Usage: {@code ReuseBreakdown [outputs] [steps] [warmup runs] [measured runs]}, e.g.
 * {@code ReuseBreakdown value,dataset 1000 10 20}. Prints medians.
 */
public final class ReuseBreakdown {

  private ReuseBreakdown() {}

  private record Sample(long submit, long engine, long flush, long callerCpu, long recorderCpu) {}

  public static void main(String[] args) {
    String[] outputs = (args.length > 0 ? args[0] : "value,dataset").split(",");
    int steps = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
    int warmup = args.length > 2 ? Integer.parseInt(args[2]) : 10;
    int measured = args.length > 3 ? Integer.parseInt(args[3]) : 20;
    System.out.printf(Locale.ROOT, "%d steps, medians of %d runs after %d warmup runs (ms per run; µs per step)%n",
        steps, measured, warmup);
    System.out.printf(Locale.ROOT, "%-8s %9s %9s %9s %9s | %9s %9s | %9s %9s %9s%n", "output", "first run", "submit",
        "engine", "flush", "total", "µs/step", "engine/st", "cpu call", "cpu rec");
    for (String output : outputs) {
      try (Workspace ws = Workspace.temporary()) {
        Pipeline p = ReuseDecisionBenchmark.pipeline(output, steps);
        long t0 = System.nanoTime();
        ReuseDecisionBenchmark.checked(ws.submit(p).await(), StepStatus.SUCCEEDED, steps);
        long first = System.nanoTime() - t0;
        for (int i = 0; i < warmup; i++) {
          once(ws, p, steps);
        }
        List<Sample> samples = new ArrayList<>();
        for (int i = 0; i < measured; i++) {
          samples.add(once(ws, p, steps));
        }
        double submit = Measures.median(samples, Sample::submit);
        double engine = Measures.median(samples, Sample::engine);
        double flush = Measures.median(samples, Sample::flush);
        double total = Measures.median(samples, s -> s.submit + s.engine + s.flush);
        System.out.printf(Locale.ROOT, "%-8s %9.1f %9.2f %9.2f %9.2f | %9.2f %9.2f | %9.2f %9.2f %9.2f%n", output,
            first / 1e6, submit / 1e6, engine / 1e6, flush / 1e6, total / 1e6, total / 1e3 / steps,
            (submit + engine) / 1e3 / steps, Measures.median(samples, Sample::callerCpu) / 1e6,
            Measures.median(samples, Sample::recorderCpu) / 1e6);
      }
    }
  }

  private static Sample once(Workspace ws, Pipeline p, int steps) {
    System.gc();
    long rec0 = Measures.cpuOf("pipewright-recorder-");
    long cpu0 = Measures.THREADS.getCurrentThreadCpuTime();
    AtomicLong finished = new AtomicLong();
    long t0 = System.nanoTime();
    RunHandle handle = ws.submit(p, RunOptions.defaults().listener(e -> {
      if (e instanceof RunEvent.RunFinished) {
        finished.set(System.nanoTime());
      }
    }));
    long t1 = System.nanoTime();
    Run run = handle.await();
    long t2 = System.nanoTime();
    long callerCpu = Measures.THREADS.getCurrentThreadCpuTime() - cpu0;
    ReuseDecisionBenchmark.checked(run, StepStatus.REUSED, steps);
    long done = Math.max(finished.get(), t1);
    return new Sample(t1 - t0, done - t1, t2 - done, callerCpu, Measures.cpuOf("pipewright-recorder-") - rec0);
  }




}
