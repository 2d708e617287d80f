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
import io.pipewright.spi.Datastore;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs pipelines for one workspace: owns the compute targets, the timer for timeouts and retries, and the set of
 * active runs.
 */
public final class Engine implements AutoCloseable {
  private final Map<String, ComputeTarget> targets;
  private final Map<String, CapacityPool> pools;
  private final Validator.Targets bindings;
  private final OutputStore outputs;
  private final Recorder recorder;
  private final RunStore store;
  private final StepFingerprinter fingerprinter;
  private final ComputeLocks locks;
  private final ModelRegistrar models;
  private final Clock clock;
  private final ScheduledExecutorService timer;
  /** Copies to and from datastores: network-bound, so more threads than cores. */
  private final ExecutorService transfers;
  private final Datastore datastore;
  private final Map<String, String> datastoreSettings;
  private final RemoteObjects remote;
  private static final int TRANSFER_THREADS = 8;
  private final Set<RunExecution> active = ConcurrentHashMap.newKeySet();
  private final String host = Processes.hostName();
  private final long pid = Processes.pid();
  private final long pidStart = Processes.startMillis(ProcessHandle.current());

  /**
   * @param targets the compute targets by logical name, {@code local} among them; the engine closes them
   * @param fallbackToLocal whether a step naming a target that is not configured runs on {@code local}
   * @param locks the workspace's folder of lock files, shared by the processes that use the workspace
   * @param models registers the models steps ask to register, once they succeed
   * @param datastore where the object store is mirrored for other machines, or null when it stays on this one
   * @param datastoreSettings its settings, which inputs read from the same account of the same kind of datastore
   *     use too
   */
  public Engine(Map<String, ComputeTarget> targets, boolean fallbackToLocal, OutputStore outputs, RunStore store, Recorder recorder,
      StepFingerprinter fingerprinter, Path locks, Clock clock, ModelRegistrar models, Datastore datastore,
      Map<String, String> datastoreSettings) {
    this.models = models;
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
    Map<String, CapacityPool> pools = new LinkedHashMap<>();
    Map<String, Validator.Target> bound = new LinkedHashMap<>();
    this.targets.forEach((name, target) -> {
      Capacity capacity = target.capacity();
      pools.put(name, new CapacityPool(name, capacity, scheduler));
      bound.put(name, new Validator.Target(target.type(), capacity, target.runsOutOfProcess(),
          target.runsOnOtherMachines()));
    });
    this.pools = Collections.unmodifiableMap(pools);
    this.bindings = new Validator.Targets(bound, fallbackToLocal, datastore != null);
    AtomicInteger threads = new AtomicInteger();
    this.transfers = Executors.newFixedThreadPool(TRANSFER_THREADS, r -> {
      Thread t = new Thread(r, "pipewright-transfer-" + threads.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    this.datastore = datastore;
    this.datastoreSettings = Map.copyOf(datastoreSettings);
    this.remote = datastore == null ? null : new RemoteObjects(datastore, transfers);
    if (remote != null) {
      outputs.mirrorTo(remote);
    }
  }

  /** The configured targets, their types and capacities, and the fallback rule, for validation. */
  public Validator.Targets targets() {
    return bindings;
  }

  /** Starts a run of already validated steps. */
  public RunHandle start(String pipeline, List<Step> steps, Map<String, Object> parameters, RunOptions options) {
    return start(pipeline, steps, parameters, Map.of(), options);
  }

  /**
   * Starts a run of already validated steps.
   *
   * @param datasets the stored dataset each DATASET parameter resolved to, by parameter name
   */
  public RunHandle start(String pipeline, List<Step> steps, Map<String, Object> parameters,
      Map<String, StoredOutput> datasets, RunOptions options) {
    RunExecution run = new RunExecution(this, newRunId(), pipeline, steps, parameters, datasets, options.listeners(),
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
    transfers.shutdownNow();
    if (datastore != null) {
      datastore.close();
    }
    targets.values().forEach(ComputeTarget::close);
    locks.close();
  }

  // ------------------------------------------------------------------ for runs

  /** The logical name of the target a step's {@code on(...)} name is bound to. */
  String bind(String name) {
    String bound = bindings.bind(name);
    if (bound == null) {
      throw new IllegalStateException("no compute target '" + name + "'"); // validation prevents this
    }
    return bound;
  }

  ComputeTarget target(String boundName) {
    return targets.get(boundName);
  }

  /** What the target bound to this name has left, shared by every run. */
  CapacityPool capacity(String boundName) {
    return pools.get(boundName);
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

  ModelRegistrar models() {
    return models;
  }

  ComputeLocks locks() {
    return locks;
  }

  StepFingerprinter fingerprinter() {
    return fingerprinter;
  }

  /** The workspace's datastore mirror of the object store, if it has one. */
  Optional<RemoteObjects> remote() {
    return Optional.ofNullable(remote);
  }

  /**
   * The settings to open a step input's datastore with: the workspace datastore's when the input lies in the same
   * account of the same kind of datastore (its credentials, its endpoint), none otherwise.
   */
  Map<String, String> settingsFor(URI location) {
    if (datastore == null) {
      return Map.of();
    }
    URI own = datastore.uri();
    return Objects.equals(own.getScheme(), location.getScheme())
        && Objects.equals(own.getAuthority(), location.getAuthority()) ? datastoreSettings : Map.of();
  }

  /** Threads for copying data to and from datastores. */
  Executor transfers() {
    return transfers;
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
