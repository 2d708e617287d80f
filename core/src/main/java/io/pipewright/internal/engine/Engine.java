package io.pipewright.internal.engine;

import io.pipewright.RunHandle;
import io.pipewright.RunOptions;
import io.pipewright.Step;
import io.pipewright.internal.fingerprint.StepFingerprinter;
import io.pipewright.internal.store.CacheEntry;
import io.pipewright.internal.store.PlannedRun;
import io.pipewright.internal.store.Recorder;
import io.pipewright.internal.store.RunStore;
import io.pipewright.internal.util.Processes;
import io.pipewright.spi.Capacity;
import io.pipewright.spi.ComputeTarget;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;

/**
 * Runs pipelines for one workspace: owns the compute targets, the timer for timeouts and retries, and the set of
 * active runs.
 */
public final class Engine implements AutoCloseable {
  private final Map<String, ComputeTarget> targets;
  private final OutputStore outputs;
  private final Recorder recorder;
  private final RunStore store;
  private final StepFingerprinter fingerprinter;
  private final ComputeLocks locks;
  private final Clock clock;
  private final ScheduledExecutorService timer;
  private final Set<RunExecution> active = ConcurrentHashMap.newKeySet();
  private final String host = Processes.hostName();
  private final long pid = Processes.pid();
  private final long pidStart = Processes.startMillis(ProcessHandle.current());

  /** @param locks the workspace's folder of lock files, shared by the processes that use the workspace */
  public Engine(Map<String, ComputeTarget> targets, OutputStore outputs, RunStore store, Recorder recorder,
      StepFingerprinter fingerprinter, Path locks, Clock clock) {
    this.targets = Collections.unmodifiableMap(new LinkedHashMap<>(targets)); // keeps the order they were given
    this.outputs = outputs;
    this.recorder = recorder;
    this.store = store;
    this.fingerprinter = fingerprinter;
    this.locks = new ComputeLocks(locks, store.sharedLocks().orElse(null));
    this.clock = clock;
    ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = Executors.defaultThreadFactory().newThread(r);
      t.setName("pipewright-timer");
      t.setDaemon(true);
      return t;
    });
    scheduler.setRemoveOnCancelPolicy(true);
    this.timer = scheduler;
  }

  /** Capacity of each configured target, by logical name, for validation. */
  public Map<String, Capacity> capacities() {
    Map<String, Capacity> capacities = new LinkedHashMap<>();
    targets.forEach((name, target) -> capacities.put(name, target.capacity()));
    return capacities;
  }

  /** Starts a run of already validated steps. */
  public RunHandle start(String pipeline, List<Step> steps, Map<String, Object> parameters, RunOptions options) {
    RunExecution run = new RunExecution(this, newRunId(), pipeline, steps, parameters, options.listeners(),
        options.failFast(), options.reuse());
    active.add(run);
    run.start();
    return run;
  }

  /** Cancels every active run, then waits up to {@code wait} for them to end and be recorded. */
  public void cancelAll(String reason, Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    for (RunExecution run : active) {
      run.cancel(reason);
    }
    for (RunExecution run : active) {
      long left = deadline - System.nanoTime();
      if (left <= 0 || run.await(Duration.ofNanos(left)).isEmpty()) {
        break;
      }
    }
  }

  @Override
  public void close() {
    cancelAll("the workspace was closed", Duration.ofSeconds(10));
    timer.shutdownNow();
    targets.values().forEach(ComputeTarget::close);
    locks.close();
  }

  // ------------------------------------------------------------------ for runs

  ComputeTarget target(String name) {
    ComputeTarget target = targets.get(name);
    if (target == null) {
      throw new IllegalStateException("no compute target '" + name + "'"); // validation prevents this
    }
    return target;
  }

  PlannedRun plan(String runId, String pipeline, Instant startedAt, Map<String, Object> parameters,
      List<PlannedRun.PlannedStep> steps) {
    return new PlannedRun(runId, pipeline, startedAt, parameters, steps, host, pid, pidStart);
  }

  void finished(RunExecution run) {
    active.remove(run);
  }

  /** Milliseconds, as the run store keeps them, so a run read back equals the run as it ended. */
  Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MILLIS);
  }

  ScheduledExecutorService timer() {
    return timer;
  }

  OutputStore outputs() {
    return outputs;
  }

  Recorder recorder() {
    return recorder;
  }

  ComputeLocks locks() {
    return locks;
  }

  StepFingerprinter fingerprinter() {
    return fingerprinter;
  }

  Optional<CacheEntry> cacheEntry(String fingerprint) {
    return store.cacheEntry(fingerprint);
  }

  Map<String, Double> metrics(String runId, String step) {
    return store.metrics(runId, step);
  }

  /** A random UUID as 32 hex digits; any 8-character prefix names a run in practice. */
  private static String newRunId() {
    return UUID.randomUUID().toString().replace("-", "");
  }
}
