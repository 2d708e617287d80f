package io.pipewright.internal.engine;

import io.pipewright.Condition;
import io.pipewright.Fingerprint;
import io.pipewright.Metrics;
import io.pipewright.Output;
import io.pipewright.PipewrightException;
import io.pipewright.SourceFolder;
import io.pipewright.Run;
import io.pipewright.RunEvent;
import io.pipewright.RunHandle;
import io.pipewright.RunListener;
import io.pipewright.RunStatus;
import io.pipewright.Step;
import io.pipewright.StepBody;
import io.pipewright.StepException;
import io.pipewright.StepInput;
import io.pipewright.StepRun;
import io.pipewright.StepStatus;
import io.pipewright.internal.fingerprint.Fingerprints;
import io.pipewright.internal.fingerprint.StepFingerprinter;
import io.pipewright.internal.store.CacheEntry;
import io.pipewright.internal.store.KeptFromReuse;
import io.pipewright.internal.store.PlannedRun;
import io.pipewright.internal.store.ReuseMiss;
import io.pipewright.internal.util.FileTrees;
import io.pipewright.internal.util.Json;
import io.pipewright.internal.util.Text;
import io.pipewright.Resources;
import io.pipewright.spi.ComputeTarget;
import io.pipewright.spi.Datastore;
import io.pipewright.spi.Execution;
import io.pipewright.spi.StepTask;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * One run of a pipeline: the state machine of its steps. Steps are dispatched to their targets the moment their last
 * upstream succeeds; every transition happens under this object's lock, so the bookkeeping is simple and each event
 * of a run is emitted in a consistent order. The work itself runs on the targets' threads, outside the lock.
 */
final class RunExecution implements RunHandle {
  private static final Logger LOG = LoggerFactory.getLogger(RunExecution.class);
  static final String MDC_RUN = "pipewright.run";
  static final String MDC_STEP = "pipewright.step";

  private enum Abort { CANCEL, TIMEOUT }

  private final Engine engine;
  private final String id;
  private final String pipeline;
  private final Map<String, Object> parameters;
  private final Map<String, StoredOutput> datasets; // by DATASET parameter, resolved at submit
  private final List<RunListener> listeners;
  private final boolean failFast;
  private final boolean reuse;
  private final List<Node> nodes;
  private final Map<String, Node> byName;
  private final ArrayDeque<Node> readyQueue = new ArrayDeque<>();
  private boolean draining;
  // Read and hashed (remote ones copied) once per run, off the lock; by Path, or by URI for a datastore's.
  private final Map<Object, ExternalInput> externals = new HashMap<>();
  private final CompletableFuture<Run> done = new CompletableFuture<>();
  private final Instant startedAt;

  private int unfinished;
  private boolean cancelled;
  private boolean failed;
  private RunStatus status = RunStatus.RUNNING;
  private Instant finishedAt;
  private String error;

  /** A step of this run. Guarded by the run's lock, but for {@link #metrics} (guarded by the node). */
  private final class Node {
    final Step step;
    final String targetName; // the configured target its on(...) name is bound to
    final ComputeTarget target;
    final CapacityPool capacity;
    final List<Node> downstream = new ArrayList<>(2);
    int pendingUpstreams;
    StepStatus status = StepStatus.PENDING;
    int attempts;
    int attemptsStarted;
    Attempt current;
    ScheduledFuture<?> timer;
    Instant startedAt;
    Instant finishedAt;
    Map<String, Object> inputs; // StoredOutput or ExternalInput by input name, once ready
    boolean conditionsHeld; // once they held: readying the step again after hashing its inputs skips them
    ExternalInput source; // the hashed source folder of a SourceFolder body
    Fingerprint fingerprint;
    String notReusable;
    String reusedFrom;
    boolean pulled; // its earlier outputs were looked for in the workspace's datastore
    ComputeLocks.Lease lease; // held while this run computes the step's fingerprint
    Map<String, StoredOutput> outputs = Map.of();
    Map<String, Double> metrics;
    String error;
    String trace;
    String reason;

    Node(Step step, String targetName, ComputeTarget target, CapacityPool capacity) {
      this.step = step;
      this.targetName = targetName;
      this.target = target;
      this.capacity = capacity;
    }
  }

  RunExecution(Engine engine, String id, String pipeline, List<Step> steps, Map<String, Object> parameters,
      Map<String, StoredOutput> datasets, List<RunListener> listeners, boolean failFast, boolean reuse) {
    this.engine = engine;
    this.datasets = Map.copyOf(datasets);
    this.id = id;
    this.pipeline = pipeline;
    this.parameters = parameters;
    this.listeners = listeners;
    this.failFast = failFast;
    this.reuse = reuse;
    this.startedAt = engine.now();
    this.nodes = new ArrayList<>(steps.size());
    this.byName = new HashMap<>(steps.size() * 2);
    for (Step step : steps) {
      String bound = engine.bind(step.target());
      Node node = new Node(step, bound, engine.target(bound), engine.capacity(bound));
      nodes.add(node);
      byName.put(step.name(), node);
    }
    for (Node node : nodes) {
      for (String upstream : node.step.dependsOn()) {
        byName.get(upstream).downstream.add(node);
        node.pendingUpstreams++;
      }
    }
    this.unfinished = nodes.size();
  }

  synchronized void start() {
    List<PlannedRun.PlannedStep> planned = new ArrayList<>(nodes.size());
    for (Node node : nodes) {
      planned.add(new PlannedRun.PlannedStep(node.step.name(), node.step.kind(), node.targetName));
    }
    engine.recorder().offer(engine.plan(id, pipeline, startedAt, parameters, planned));
    emit(new RunEvent.RunStarted(id, startedAt, pipeline, parameters));
    if (nodes.isEmpty()) {
      finishRun();
      return;
    }
    for (Node node : nodes) {
      if (node.pendingUpstreams == 0 && node.status == StepStatus.PENDING) {
        schedule(node);
      }
    }
  }

  // ------------------------------------------------------------------ transitions (all under the lock)

  /**
   * A step whose upstreams all succeeded: check its conditions, fingerprint it, then reuse an earlier execution or run
   * it.
   */
  private void ready(Node node) {
    if (cancelled) {
      finish(node, StepStatus.CANCELLED, "run cancelled before the step started");
      return;
    }
    if (!node.conditionsHeld) {
      if (!conditionsHold(node)) {
        return;
      }
      node.conditionsHeld = true;
    }
    List<Object> unread = new ArrayList<>();
    for (StepInput input : node.step.inputs().values()) {
      Object location = input instanceof StepInput.External e ? e.path()
          : input instanceof StepInput.Remote r ? r.location() : null;
      if (location != null && !externals.containsKey(location) && !unread.contains(location)) {
        unread.add(location);
      }
    }
    Path source = sourceFolder(node.step);
    if (source != null && !externals.containsKey(source) && !unread.contains(source)) {
      unread.add(source);
    }
    if (!unread.isEmpty()) {
      // Hashing new data, or copying it from a datastore, can take a while: not on the scheduler's lock, which every
      // step of the run needs.
      CompletableFuture.supplyAsync(() -> {
        Map<Object, ExternalInput> read = new HashMap<>();
        unread.forEach(location -> read.put(location, location instanceof URI uri
            ? RemoteInput.stage(uri, engine.settingsFor(uri), engine.outputs().runStaging(id).resolve(".inputs")
                .resolve(Fingerprints.sha256(uri.toString()).substring("sha256:".length())), engine.transfers())
            : ExternalInput.read(engine.outputs(), (Path) location)));
        return read;
      }, ForkJoinPool.commonPool()).whenComplete((read, e) -> externalsRead(node, read, e));
      return;
    }
    inputsReady(node);
  }

  /**
   * Whether every condition of the step holds; when one does not, the step and its dependents are skipped with the
   * reason, and when one cannot be checked (it names a metric the source lacks), the step fails.
   */
  private boolean conditionsHold(Node node) {
    for (Condition condition : node.step.conditions()) {
      Output<?> source = condition.source();
      StoredOutput stored = byName.get(source.step()).outputs.get(source.name());
      Optional<String> unmet;
      try {
        Object value = stored.type() == Metrics.class ? stored.asMetrics()
            : Json.MAPPER.treeToValue(stored.value(), source.type());
        unmet = condition.unmet(value, parameters);
      } catch (IOException | RuntimeException e) {
        fail(node, "step '" + node.step.name() + "': condition '" + condition + "' on " + source.step() + "."
            + source.name() + " cannot be checked: " + (e instanceof IllegalArgumentException ? e.getMessage()
            : Text.oneLine(e)), e);
        return false;
      }
      if (unmet.isPresent()) {
        String reason = "condition not met: " + unmet.get();
        finish(node, StepStatus.SKIPPED, reason);
        skipDownstream(node, "upstream step '" + node.step.name() + "' was skipped (" + reason + ")");
        return false;
      }
    }
    return true;
  }

  private static Path sourceFolder(Step step) {
    return step.bodyInstance().filter(SourceFolder.class::isInstance)
        .map(body -> ((SourceFolder) body).sourceFolder()).orElse(null);
  }

  private synchronized void externalsRead(Node node, Map<Object, ExternalInput> read, Throwable failure) {
    if (node.status.isFinal()) {
      return; // cancelled meanwhile
    }
    if (failure != null) {
      Throwable cause = unwrap(failure);
      fail(node, "step '" + node.step.name() + "': " + (cause instanceof UncheckedIOException
          || cause instanceof PipewrightException ? cause.getMessage() : Text.oneLine(cause)), cause);
      return;
    }
    read.forEach(externals::putIfAbsent);
    try {
      schedule(node);
    } catch (RuntimeException | Error e) {
      LOG.error("run {}: internal error when step '{}' became ready", id, node.step.name(), e);
      if (!node.status.isFinal()) {
        fail(node, "step '" + node.step.name() + "': internal error: " + Text.oneLine(e), e);
      }
    }
  }

  /** Every input is at hand: fingerprint the step, then reuse an earlier execution or run it. */
  private void inputsReady(Node node) {
    try {
      node.inputs = resolveInputs(node);
      fingerprint(node);
    } catch (UncheckedIOException e) {
      fail(node, "step '" + node.step.name() + "': " + e.getMessage(), e); // names the file
      return;
    } catch (RuntimeException e) {
      fail(node, "step '" + node.step.name() + "': cannot fingerprint it: " + Text.oneLine(e), e);
      return;
    }
    if (!reusable(node)) {
      if (node.notReusable == null) {
        missed(node, reuse ? ReuseMiss.Reason.NOT_ALLOWED : ReuseMiss.Reason.REUSE_OFF);
      }
      dispatch(node);
      return;
    }
    reuseOrCompute(node);
  }

  /**
   * Reuses an earlier execution if it can; otherwise computes the step, once: the run that takes the fingerprint's
   * lock computes it, and any other run, here or in another process, waits for it and then reuses its outputs.
   */
  private void reuseOrCompute(Node node) {
    if (reuseEarlierExecution(node)) {
      return;
    }
    ComputeLocks.Lease lease = engine.locks().tryAcquire(node.fingerprint.hash());
    if (lease != null) {
      node.lease = lease;
      dispatch(node);
      return;
    }
    engine.locks().acquire(node.fingerprint.hash()).whenComplete((acquired, e) -> lockAcquired(node, acquired, e));
  }

  private synchronized void lockAcquired(Node node, ComputeLocks.Lease lease, Throwable failure) {
    if (failure != null) {
      if (!node.status.isFinal()) {
        fail(node, "step '" + node.step.name() + "': " + Text.oneLine(unwrap(failure)), unwrap(failure));
      }
      return;
    }
    if (node.status.isFinal()) {
      lease.release(); // cancelled while waiting
      return;
    }
    if (reuseEarlierExecution(node)) {
      lease.release();
      return;
    }
    node.lease = lease;
    dispatch(node);
  }

  /** Records why the step runs although it might have been reused; the latest word wins. */
  private void missed(Node node, ReuseMiss.Reason reason) {
    engine.recorder().offer(new ReuseMiss(id, node.step.name(), reason));
  }

  private boolean reusable(Node node) {
    return reuse && node.step.allowReuse() && node.notReusable == null;
  }

  private void fingerprint(Node node) {
    Map<String, String> hashes = new TreeMap<>();
    node.inputs.forEach((name, input) -> hashes.put(name, input instanceof StoredOutput stored
        ? stored.contentHash() : ((ExternalInput) input).contentHash()));
    Path source = sourceFolder(node.step);
    node.source = source == null ? null : externals.get(source);
    StepFingerprinter.Result result = engine.fingerprinter().fingerprint(pipeline, node.step, node.target.environment(),
        parameters, hashes, node.source == null ? null : node.source.contentHash());
    node.fingerprint = result.fingerprint();
    node.notReusable = result.notReusable();
    emit(new RunEvent.StepFingerprinted(id, engine.now(), node.step.name(), node.fingerprint, node.notReusable));
  }

  /**
   * Reuses the latest execution with the step's fingerprint when reuse is allowed and every output it left is still
   * intact; returns whether it did. Outputs this machine lacks but the workspace's datastore holds are copied here
   * first, off the lock: then it returns true too, and the step is decided again once they are here.
   */
  private boolean reuseEarlierExecution(Node node) {
    if (!reusable(node)) {
      return false;
    }
    Optional<CacheEntry> found = engine.cacheEntry(node.fingerprint.hash());
    if (found.isEmpty()) {
      missed(node, ReuseMiss.Reason.NO_ENTRY);
      return false;
    }
    CacheEntry entry = found.get();
    Optional<Duration> maxAge = node.step.maxReuseAge();
    if (maxAge.isPresent() && entry.createdAt().plus(maxAge.get()).isBefore(engine.now())) {
      missed(node, ReuseMiss.Reason.TOO_OLD);
      return false;
    }
    Map<String, StoredOutput> outputs = new LinkedHashMap<>();
    List<String> elsewhere = new ArrayList<>();
    for (Map.Entry<String, Class<?>> declared : node.step.outputs().entrySet()) {
      String hash = entry.outputs().get(declared.getKey());
      Optional<StoredOutput> stored = hash == null ? Optional.empty() : engine.outputs().load(hash);
      if (stored.isEmpty() && hash != null && engine.remote().isPresent() && !node.pulled) {
        elsewhere.add(hash);
      } else if (stored.isEmpty() || stored.get().type() != declared.getValue()) {
        missed(node, ReuseMiss.Reason.OUTPUTS_DAMAGED);
        return false; // deleted, damaged, or of another shape: run the step again, which repairs it
      } else {
        outputs.put(declared.getKey(), stored.get());
      }
    }
    if (!elsewhere.isEmpty()) {
      node.pulled = true;
      RemoteObjects remote = engine.remote().orElseThrow();
      CompletableFuture.runAsync(() -> elsewhere.forEach(hash -> remote.pull(hash, engine.outputs())),
          engine.transfers()).whenComplete((ignored, e) -> pulled(node, e));
      return true;
    }
    node.outputs = outputs;
    node.reusedFrom = entry.runId();
    // The metrics come with the outputs: a reused evaluation still says how good the model is.
    Instant now = engine.now();
    Map<String, Double> metrics = engine.metrics(entry.runId(), entry.step());
    if (!metrics.isEmpty()) {
      synchronized (node) {
        node.metrics = new LinkedHashMap<>(metrics);
      }
      metrics.forEach((name, value) -> emit(new RunEvent.Metric(id, now, node.step.name(), name, value)));
    }
    finish(node, StepStatus.REUSED, null);
    releaseDownstream(node);
    return true;
  }

  /** Outputs were copied from the datastore (or could not be: then the step runs): decide again. */
  private synchronized void pulled(Node node, Throwable failure) {
    if (node.status.isFinal()) {
      return; // cancelled meanwhile
    }
    if (failure != null) {
      LOG.warn("run {}: step '{}': could not copy its earlier outputs from {}: {}", id, node.step.name(),
          engine.remote().map(RemoteObjects::location).orElse("the datastore"), Text.oneLine(unwrap(failure)));
    }
    reuseOrCompute(node);
  }

  private void releaseDownstream(Node node) {
    for (Node next : node.downstream) {
      if (--next.pendingUpstreams == 0 && next.status == StepStatus.PENDING) {
        schedule(next);
      }
    }
  }

  /**
   * Readies a step, and then those it releases, from a work list: a chain of 100,000 reused steps, each releasing the
   * next at once, must not become 100,000 nested calls.
   */
  private void schedule(Node node) {
    readyQueue.add(node);
    if (draining) {
      return;
    }
    draining = true;
    try {
      for (Node next; (next = readyQueue.poll()) != null; ) {
        ready(next);
      }
    } finally {
      draining = false;
    }
  }

  private void dispatch(Node node) {
    if (cancelled) {
      finish(node, StepStatus.CANCELLED, "run cancelled before the step started");
      return;
    }
    node.status = StepStatus.QUEUED;
    node.attempts++;
    Attempt attempt = new Attempt(node, node.attempts, node.inputs);
    node.current = attempt;
    emit(new RunEvent.StepQueued(id, engine.now(), node.step.name(), node.targetName));
    // The step stays QUEUED until its target has room for its needs, whichever run holds the rest.
    CapacityPool.Ticket ticket = node.capacity.request(node.step.resources());
    attempt.ticket = ticket;
    ticket.granted().whenComplete((ignored, failure) -> granted(attempt, failure));
  }

  /** The target has room for the attempt (at once, or later on the engine's timer thread): hand it over. */
  private synchronized void granted(Attempt attempt, Throwable failure) {
    Node node = attempt.node;
    if (node.current != attempt || node.status.isFinal() || attempt.abort != null) {
      attempt.ticket.release(); // stopped while it waited
      return;
    }
    if (failure != null) {
      onAttemptDone(attempt, StepException.nonRetryable("step '" + node.step.name() + "': " + failure.getMessage()));
      return;
    }
    Execution execution;
    try {
      execution = node.target.submit(attempt);
    } catch (RuntimeException e) {
      onAttemptDone(attempt, new StepException("compute target '" + node.targetName + "' refused the step: " + e,
          e));
      return;
    }
    attempt.execution = execution;
    execution.completion().whenComplete((ignored, f) -> onAttemptDone(attempt, f));
  }

  private Map<String, Object> resolveInputs(Node node) {
    Map<String, StepInput> declared = node.step.inputs();
    if (declared.isEmpty()) {
      return Map.of();
    }
    Map<String, Object> resolved = new HashMap<>();
    declared.forEach((name, input) -> {
      if (input instanceof StepInput.External external) {
        resolved.put(name, externals.get(external.path()));
      } else if (input instanceof StepInput.Remote remote) {
        resolved.put(name, externals.get(remote.location()));
      } else if (input instanceof StepInput.DatasetParameter parameter) {
        resolved.put(name, datasets.get(parameter.parameter()));
      } else {
        var output = ((StepInput.Upstream) input).output();
        resolved.put(name, byName.get(output.step()).outputs.get(output.name()));
      }
    });
    return resolved;
  }

  private synchronized boolean onStarted(Attempt attempt) {
    Node node = attempt.node;
    if (node.current != attempt || attempt.abort != null) {
      return false;
    }
    node.status = StepStatus.RUNNING;
    Instant now = engine.now();
    if (node.startedAt == null) {
      node.startedAt = now;
    }
    node.attemptsStarted = attempt.number;
    emit(new RunEvent.StepStarted(id, now, node.step.name(), attempt.number));
    // The limit is on running: time spent waiting for a slot of the target does not count.
    node.step.timeout().ifPresent(limit ->
        node.timer = engine.timer().schedule(() -> timedOut(attempt), limit.toNanos(), TimeUnit.NANOSECONDS));
    return true;
  }

  private synchronized void timedOut(Attempt attempt) {
    if (attempt.node.current == attempt && attempt.abort == null && attempt.execution != null) {
      attempt.abort = Abort.TIMEOUT;
      attempt.execution.cancel();
    }
  }

  private synchronized void onAttemptDone(Attempt attempt, Throwable failure) {
    try {
      attemptDone(attempt, failure);
    } catch (RuntimeException | Error e) {
      // A bug here must not leave the run RUNNING forever: whatever was being decided, the step fails.
      LOG.error("run {}: internal error after step '{}' ended", id, attempt.node.step.name(), e);
      if (!attempt.node.status.isFinal()) {
        fail(attempt.node, "step '" + attempt.node.step.name() + "': internal error: " + Text.oneLine(e), e);
      }
    }
  }

  private void attemptDone(Attempt attempt, Throwable failure) {
    Node node = attempt.node;
    if (node.current != attempt || node.status.isFinal()) {
      return; // a late completion of an attempt already given up on
    }
    node.current = null;
    attempt.ticket.release(); // success, failure, timeout or cancel: the attempt holds its target no longer
    if (attempt.remoteFolder.get() != null) { // failed or stopped before its result was read: network, off the lock
      try {
        CompletableFuture.runAsync(() -> deleteRemoteFolder(attempt), engine.transfers());
      } catch (java.util.concurrent.RejectedExecutionException e) {
        LOG.debug("step '{}': workspace closing, {} stays in the datastore", node.step.name(),
            attempt.remoteFolder.get());
      }
    }
    cancelTimer(node);
    if (failure == null && attempt.abort == null) {
      try {
        node.outputs = commit(node, attempt);
        node.error = null;
        finish(node, StepStatus.SUCCEEDED, null);
        releaseDownstream(node);
        return;
      } catch (PipewrightException e) {
        failure = StepException.nonRetryable("step '" + node.step.name() + "': could not register its models: "
            + e.getMessage());
      }
    }
    if (attempt.abort == Abort.CANCEL) {
      finish(node, attempt.abortStatus, attempt.abortReason);
      return;
    }
    Throwable cause = unwrap(failure);
    boolean timedOut = attempt.abort == Abort.TIMEOUT;
    String message = timedOut
        ? "step '" + node.step.name() + "' timed out after " + human(node.step.timeout().orElseThrow())
        : Text.oneLine(cause);
    boolean retryable = timedOut || !(cause instanceof StepException se) || se.retryable();
    if (retryable && node.attempts <= node.step.retry().maxRetries() && !cancelled && !(failFast && failed)) {
      Duration delay = node.step.retry().backoff(node.attempts);
      node.status = StepStatus.QUEUED;
      node.error = message; // the last failure, as the store records it, until an attempt succeeds
      emit(new RunEvent.StepRetrying(id, engine.now(), node.step.name(), attempt.number, delay, message));
      node.timer = engine.timer().schedule(() -> retry(node), delay.toNanos(), TimeUnit.NANOSECONDS);
      return;
    }
    fail(node, message, timedOut ? null : cause);
  }

  /** Fails a step for good: the run fails, its dependents are skipped, and with fail-fast everything stops. */
  private void fail(Node node, String message, Throwable cause) {
    node.error = message;
    node.trace = cause == null ? null : stackTrace(cause);
    failed = true;
    if (error == null) {
      error = message.startsWith("step '" + node.step.name() + "'") ? message
          : "step '" + node.step.name() + "' failed: " + message;
    }
    finish(node, StepStatus.FAILED, null);
    skipDownstream(node, "upstream step '" + node.step.name() + "' failed");
    if (failFast) {
      stopAll(StepStatus.SKIPPED, "fail-fast: step '" + node.step.name() + "' failed");
    }
  }

  private synchronized void retry(Node node) {
    if (node.status == StepStatus.QUEUED && node.current == null && !cancelled) {
      node.timer = null;
      dispatch(node);
    }
  }

  /**
   * Makes the attempt's stored outputs the step's (they are durably stored, and pushed to the workspace's datastore,
   * by now), registers the models it asked to register, and, unless the outputs may not be reused, records the cache
   * entry that lets later steps with this fingerprint reuse them.
   */
  private Map<String, StoredOutput> commit(Node node, Attempt attempt) {
    Map<String, StoredOutput> stored = attempt.stored;
    // Models are registered once everything the step wrote is stored, before it counts as succeeded.
    for (StepContextImpl.ModelRegistration r : attempt.registrations) {
      StoredOutput model = r.output() ? stored.get(r.inputOrOutput()) : attempt.registeredInputs.get(r.inputOrOutput());
      String version = engine.models().register(r.name(), model, r.options(), id, node.step.name());
      emit(new RunEvent.Log(id, engine.now(), node.step.name(), "INFO", "registered model " + version));
    }
    if (!node.step.allowReuse() || node.notReusable != null) {
      return stored;
    }
    if (attempt.keptFromReuse != null) {
      engine.recorder().offer(new KeptFromReuse(id, node.step.name(), attempt.keptFromReuse));
      return stored;
    }
    Map<String, String> hashes = new LinkedHashMap<>();
    stored.forEach((name, output) -> hashes.put(name, output.contentHash()));
    engine.recorder().offer(new CacheEntry(node.fingerprint.hash(), id, node.step.name(), hashes, engine.now()));
    return stored;
  }

  /** Moves a step to a final status, tells listeners, and ends the run when it was the last. */
  private void finish(Node node, StepStatus status, String reason) {
    if (node.status.isFinal()) {
      return;
    }
    cancelTimer(node);
    if (node.current != null && node.current.ticket != null) {
      node.current.ticket.release(); // ended while waiting for its target, or before its attempt completed
    }
    node.status = status;
    node.finishedAt = engine.now();
    node.reason = reason;
    if (node.lease != null) {
      ComputeLocks.Lease lease = node.lease;
      node.lease = null;
      if (status == StepStatus.SUCCEEDED) {
        engine.recorder().flush().whenComplete((ignored, e) -> lease.release()); // its cache entry first
      } else {
        lease.release();
      }
    }
    String step = node.step.name();
    switch (status) {
      case SUCCEEDED -> emit(new RunEvent.StepSucceeded(id, node.finishedAt, step, locations(node.outputs)));
      case REUSED -> emit(new RunEvent.StepReused(id, node.finishedAt, step, node.fingerprint.hash(),
          node.reusedFrom, locations(node.outputs)));
      case FAILED -> emit(new RunEvent.StepFailed(id, node.finishedAt, step, node.attempts, node.error,
          node.trace == null ? "" : node.trace));
      case SKIPPED -> emit(new RunEvent.StepSkipped(id, node.finishedAt, step, reason));
      case CANCELLED -> emit(new RunEvent.StepCancelled(id, node.finishedAt, step, reason));
      default -> throw new IllegalArgumentException("not a final status: " + status);
    }
    if (--unfinished == 0) {
      finishRun();
    }
  }

  private void skipDownstream(Node from, String reason) {
    ArrayDeque<Node> work = new ArrayDeque<>(from.downstream);
    while (!work.isEmpty()) {
      Node next = work.poll();
      if (next.status == StepStatus.PENDING) {
        finish(next, StepStatus.SKIPPED, reason);
        work.addAll(next.downstream);
      }
    }
  }

  /** Stops every unfinished step: those not started end with {@code notStarted}, running ones are cancelled. */
  private void stopAll(StepStatus notStarted, String reason) {
    for (Node node : nodes) {
      if (node.status.isFinal()) {
        continue;
      }
      Attempt attempt = node.current;
      if (attempt != null && attempt.execution != null) {
        attempt.abort = Abort.CANCEL;
        attempt.abortReason = reason;
        attempt.abortStatus = node.startedAt == null ? notStarted : StepStatus.CANCELLED;
        attempt.execution.cancel(); // completes the attempt, re-entering onAttemptDone on this thread
      } else if (attempt == null && node.status == StepStatus.QUEUED) {
        finish(node, StepStatus.CANCELLED, reason); // waiting to retry
      } else {
        finish(node, notStarted, reason);
      }
    }
  }

  private void finishRun() {
    if (status.isFinal()) {
      return;
    }
    finishedAt = engine.now();
    status = cancelled ? RunStatus.CANCELLED : failed ? RunStatus.FAILED : RunStatus.SUCCEEDED;
    if (cancelled && error == null) {
      error = "run cancelled";
    }
    emit(new RunEvent.RunFinished(id, finishedAt, status, status == RunStatus.SUCCEEDED ? null : error));
    Run last = snapshot();
    engine.finished(this);
    FileTrees.deleteRecursively(engine.outputs().runStaging(id));
    engine.recorder().flush().whenComplete((ignored, e) -> done.complete(last));
  }

  private void cancelTimer(Node node) {
    if (node.timer != null) {
      node.timer.cancel(false);
      node.timer = null;
    }
  }

  private void emit(RunEvent event) {
    engine.recorder().offer(event);
    for (RunListener listener : listeners) {
      try {
        listener.onEvent(event);
      } catch (RuntimeException | Error e) { // an AssertionError in a test's listener must not hang the run either
        LOG.warn("run {}: listener {} failed on {}: {}", id, listener, event.getClass().getSimpleName(), e.toString());
      }
    }
  }

  // ------------------------------------------------------------------ RunHandle

  @Override
  public String id() {
    return id;
  }

  @Override
  public Run await() {
    try {
      return done.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CancellationException("interrupted while waiting for run " + id);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  @Override
  public Optional<Run> await(Duration timeout) {
    try {
      return Optional.of(done.get(timeout.toNanos(), TimeUnit.NANOSECONDS));
    } catch (TimeoutException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  @Override
  public CompletionStage<Run> completion() {
    return done.minimalCompletionStage();
  }

  @Override
  public synchronized Run snapshot() {
    List<StepRun> steps = new ArrayList<>(nodes.size());
    for (Node n : nodes) {
      Map<String, Double> metrics;
      synchronized (n) {
        metrics = n.metrics == null ? Map.of() : Map.copyOf(n.metrics);
      }
      steps.add(new StepRun(n.step.name(), n.step.kind(), n.status, n.targetName, n.startedAt, n.finishedAt,
          n.attemptsStarted, locations(n.outputs), metrics, n.error, n.trace, n.reason,
          n.fingerprint == null ? null : n.fingerprint.hash(), n.reusedFrom));
    }
    return new Run(id, pipeline, status, startedAt, finishedAt, parameters, steps,
        status == RunStatus.SUCCEEDED ? null : error);
  }

  @Override
  public synchronized void cancel() {
    cancel("run cancelled");
  }

  synchronized void cancel(String reason) {
    if (status.isFinal() || cancelled) {
      return;
    }
    cancelled = true;
    error = reason;
    stopAll(StepStatus.CANCELLED, reason);
  }

  @Override
  public String toString() {
    return snapshot().toString();
  }

  // ------------------------------------------------------------------ one attempt

  /** One attempt of a step, as handed to the compute target. */
  private final class Attempt implements StepTask, StepContextImpl.Reporter {
    final Node node;
    final int number;
    final Map<String, Object> inputs;
    volatile CapacityPool.Ticket ticket;
    volatile Execution execution;
    volatile Abort abort;
    volatile String abortReason;
    volatile StepStatus abortStatus;
    volatile Map<String, StoredOutput> stored = Map.of();
    volatile String keptFromReuse;
    volatile List<StepContextImpl.ModelRegistration> registrations = List.of();
    volatile Map<String, StoredOutput> registeredInputs = Map.of();
    /** Where a remote runner's description and result are in the datastore, until deleted. */
    final java.util.concurrent.atomic.AtomicReference<String> remoteFolder =
        new java.util.concurrent.atomic.AtomicReference<>();

    Attempt(Node node, int number, Map<String, Object> inputs) {
      this.node = node;
      this.number = number;
      this.inputs = inputs;
    }

    @Override
    public String runId() {
      return id;
    }

    @Override
    public String pipeline() {
      return pipeline;
    }

    @Override
    public String stepName() {
      return node.step.name();
    }

    @Override
    public String fingerprint() {
      return node.fingerprint.hash();
    }

    @Override
    public int attempt() {
      return number;
    }

    @Override
    public Optional<java.time.Duration> timeout() {
      return node.step.timeout();
    }

    @Override
    public Resources resources() {
      return node.step.resources();
    }

    @Override
    public void execute() throws Exception {
      if (!onStarted(this)) {
        throw new CancellationException("step '" + node.step.name() + "' was stopped before it started");
      }
      MDC.put(MDC_RUN, id);
      MDC.put(MDC_STEP, node.step.name());
      try {
        StepContextImpl ctx = new StepContextImpl(id, node.step, number, node.fingerprint, parameters, inputs,
            node.source, () -> engine.outputs().staging(id, node.step.name(), number), engine.outputs(), this,
            new StoredUnits(engine, id, node.step.name(), reusable(node)));
        StepBody body = node.step.newBody();
        body.run(ctx);
        if (abort != null) {
          throw new CancellationException("step '" + node.step.name() + "' was stopped");
        }
        keptFromReuse = ctx.keptFromReuse();
        List<StepContextImpl.ModelRegistration> asked = ctx.registrations();
        Map<String, StoredOutput> fromInputs = new HashMap<>();
        asked.stream().filter(r -> !r.output()).forEach(r -> fromInputs.put(r.inputOrOutput(),
            ctx.storedInput(r.inputOrOutput())));
        registrations = asked;
        registeredInputs = fromInputs;
        stored = store(ctx.finish(), Map.of());
      } finally {
        MDC.remove(MDC_RUN);
        MDC.remove(MDC_STEP);
      }
    }

    @Override
    public Optional<io.pipewright.spi.RunnerAttempt> outOfProcess() {
      return Optional.of(new OutOfProcess(this));
    }

    /**
     * Moves the outputs from staging into the object store and pushes them to the workspace's datastore, if it has
     * one: here, on the target's thread, so that the disk and the network never hold the run's lock. Outputs a
     * remote runner stored, already fetched from the datastore, are taken as they are.
     */
    private Map<String, StoredOutput> store(Map<String, StepContextImpl.PreparedOutput> prepared,
        Map<String, StoredOutput> fetched) {
      Map<String, StoredOutput> stored = new LinkedHashMap<>();
      try {
        for (String name : node.step.outputs().keySet()) {
          StepContextImpl.PreparedOutput p = prepared.get(name);
          StoredOutput output = fetched.get(name);
          if (output == null && p != null) {
            output = p.staged() != null ? engine.outputs().commitFiles(p.type(), p.staged(), p.files(), p.metadata())
                : engine.outputs().commitValue(p.type(), p.value());
          }
          if (output != null) {
            stored.put(name, output);
          }
        }
        stored.values().forEach(engine.outputs()::publish);
      } catch (IOException | RuntimeException e) {
        throw new StepException("step '" + node.step.name() + "': could not store its outputs: "
            + (e instanceof PipewrightException || e instanceof UncheckedIOException ? e.getMessage() : e), e);
      }
      return stored;
    }

    @Override
    public void metric(String name, double value) {
      synchronized (node) {
        if (node.metrics == null) {
          node.metrics = new LinkedHashMap<>();
        }
        node.metrics.put(name, value);
      }
      emit(new RunEvent.Metric(id, engine.now(), node.step.name(), name, value));
    }

    @Override
    public void log(String level, String message) {
      emit(new RunEvent.Log(id, engine.now(), node.step.name(), level, message));
    }
  }

  /** An attempt run by the step runner in another JVM: described to it, and its result taken back. */
  private final class OutOfProcess implements io.pipewright.spi.RunnerAttempt {
    private final Attempt attempt;
    private final Node node;
    private final Path staging;

    OutOfProcess(Attempt attempt) {
      this.attempt = attempt;
      this.node = attempt.node;
      this.staging = engine.outputs().staging(id, node.step.name(), attempt.number);
    }

    @Override
    public io.pipewright.spi.StepDescription start() throws Exception {
      begin("in another JVM");
      Path file = RunnerFiles.describe(id, pipeline, node.step, attempt.number, node.fingerprint, parameters,
          attempt.inputs, node.source, staging, engine.outputs(), false);
      return new io.pipewright.spi.StepDescription(StepRunner.class.getName(), List.of(file.toString()), file);
    }

    @Override
    public io.pipewright.spi.StepDescription startRemote() throws Exception {
      RemoteObjects remote = engine.remote().orElseThrow(() -> StepException.nonRetryable("step '"
          + node.step.name() + "' runs on another machine, which reaches its inputs and outputs only through a"
          + " datastore: give the workspace one (--datastore, PIPEWRIGHT_DATASTORE or \"datastore\" in the config)"));
      begin("on another machine");
      for (Object input : attempt.inputs.values()) {
        if (input instanceof StoredOutput s) {
          remote.push(s);
        } else {
          remote.push((ExternalInput) input);
        }
      }
      if (node.source != null) {
        remote.push(node.source);
      }
      Path file = RunnerFiles.describe(id, pipeline, node.step, attempt.number, node.fingerprint, parameters,
          attempt.inputs, node.source, staging, engine.outputs(), true);
      String remoteFolder = RunnerFiles.remoteFolder(id, node.step.name(), attempt.number);
      attempt.remoteFolder.set(remoteFolder);
      Path body = file.resolveSibling("body.ser");
      if (java.nio.file.Files.exists(body)) {
        remote.datastore().upload(remoteFolder + body.getFileName(), body);
      }
      String key = remoteFolder + file.getFileName();
      remote.datastore().upload(key, file);
      return new io.pipewright.spi.StepDescription(StepRunner.class.getName(),
          List.of("--datastore", remote.location(), key), file);
    }

    /**
     * Marks the attempt started, once its body is known to be one the step runner can recreate (validation refuses
     * others; a target used outside a workspace may still get one).
     */
    private void begin(String where) {
      Optional<String> why = RunnerFiles.unrunnable(node.step);
      if (why.isPresent()) {
        throw StepException.nonRetryable("step '" + node.step.name() + "': its body cannot run " + where + " ("
            + why.get() + "): give it a body class or a Serializable body");
      }
      if (!onStarted(attempt)) {
        throw new CancellationException("step '" + node.step.name() + "' was stopped before it started");
      }
    }

    @Override
    public void event(String line) {
      if (line.startsWith(RunnerFiles.EVENT)) {
        try {
          com.fasterxml.jackson.databind.JsonNode e = Json.read(line);
          if ("metric".equals(e.path("pipewright").asText())) {
            attempt.metric(e.get("name").asText(), e.get("value").asDouble());
            return;
          }
          if ("log".equals(e.path("pipewright").asText())) {
            attempt.log(e.get("level").asText(), e.get("message").asText());
            return;
          }
        } catch (UncheckedIOException | NullPointerException e) {
          // not an event after all: text
        }
      }
      attempt.log("INFO", line);
    }

    @Override
    public void complete() throws Exception {
      MDC.put(MDC_RUN, id);
      MDC.put(MDC_STEP, node.step.name());
      try {
        String remoteFolder = attempt.remoteFolder.get();
        if (remoteFolder != null) {
          fetchResult(remoteFolder);
        }
        RunnerFiles.Result result = RunnerFiles.readResult(RunnerFiles.resultFile(staging)).orElseThrow(() ->
            new StepException("step '" + node.step.name() + "': its step runner exited without a result"));
        if (!result.succeeded()) {
          throw new RunnerFailure(result.error(), result.retryable(), result.trace());
        }
        if (attempt.abort != null) {
          throw new CancellationException("step '" + node.step.name() + "' was stopped");
        }
        Map<String, StepContextImpl.PreparedOutput> prepared = new LinkedHashMap<>();
        Map<String, StoredOutput> fetched = new LinkedHashMap<>();
        for (Map.Entry<String, Class<?>> output : node.step.outputs().entrySet()) {
          String name = output.getKey();
          if (OutputTypes.isFiles(output.getValue()) && remoteFolder != null) {
            String hash = result.stored().get(name);
            if (hash == null) {
              throw StepException.nonRetryable("step '" + node.step.name() + "': its step runner left no folder for"
                  + " output '" + name + "'");
            }
            fetched.put(name, engine.outputs().loadOrFetch(hash).orElseThrow(() -> new StepException("step '"
                + node.step.name() + "': output '" + name + "' (" + hash + ") did not arrive intact from "
                + engine.remote().map(RemoteObjects::location).orElse("the datastore"))));
          } else if (OutputTypes.isFiles(output.getValue())) {
            Path dir = staging.resolve(name);
            if (!java.nio.file.Files.isDirectory(dir)) {
              throw StepException.nonRetryable("step '" + node.step.name() + "': its step runner left no folder for"
                  + " output '" + name + "'");
            }
            prepared.put(name, new StepContextImpl.PreparedOutput(output.getValue(), dir,
                engine.outputs().manifest(dir), result.metadata().getOrDefault(name, Map.of()), null));
          } else {
            com.fasterxml.jackson.databind.JsonNode value = result.values().get(name);
            if (value == null) {
              throw StepException.nonRetryable("step '" + node.step.name() + "': its step runner left no value for"
                  + " output '" + name + "'");
            }
            prepared.put(name, new StepContextImpl.PreparedOutput(output.getValue(), null, List.of(), Map.of(),
                value));
          }
        }
        attempt.keptFromReuse = result.keptFromReuse();
        Map<String, StoredOutput> fromInputs = new HashMap<>();
        result.registrations().stream().filter(r -> !r.output()).forEach(r -> fromInputs.put(r.inputOrOutput(),
            (StoredOutput) attempt.inputs.get(r.inputOrOutput())));
        attempt.registrations = result.registrations();
        attempt.registeredInputs = fromInputs;
        attempt.stored = attempt.store(prepared, fetched);
      } finally {
        MDC.remove(MDC_RUN);
        MDC.remove(MDC_STEP);
        deleteRemoteFolder(attempt);
      }
    }

    /** Copies a remote runner's result from the datastore next to the description, where a local one leaves it. */
    private void fetchResult(String remoteFolder) {
      Datastore datastore = engine.remote().orElseThrow().datastore();
      String key = remoteFolder + "result.json";
      if (datastore.exists(key)) {
        datastore.download(key, RunnerFiles.resultFile(staging));
      }
    }

  }

  /**
   * Deletes a remote runner's description, body and result from the datastore, once its attempt has ended (read, or
   * failed or stopped), unless done already.
   */
  private void deleteRemoteFolder(Attempt attempt) {
    String folder = attempt.remoteFolder.getAndSet(null);
    if (folder == null) {
      return;
    }
    Datastore datastore = engine.remote().orElseThrow().datastore();
    try {
      datastore.list(folder).forEach(datastore::delete);
    } catch (RuntimeException e) {
      LOG.warn("step '{}': could not delete {} in {}: {}", attempt.node.step.name(), folder, datastore.uri(),
          Text.oneLine(e));
    }
  }

  /** The body's failure in the step runner: its one-line message, and its stack trace as the runner printed it. */
  private static final class RunnerFailure extends StepException {
    private static final long serialVersionUID = 1L;
    private final boolean retryable;
    private final String trace;

    RunnerFailure(String message, boolean retryable, String trace) {
      super(message);
      this.retryable = retryable;
      this.trace = trace;
    }

    @Override
    public boolean retryable() {
      return retryable;
    }

    @Override
    public void printStackTrace(PrintWriter s) {
      s.print(trace == null || trace.isEmpty() ? getMessage() + System.lineSeparator() : trace);
    }
  }

  // ------------------------------------------------------------------ helpers

  private static Map<String, String> locations(Map<String, StoredOutput> outputs) {
    if (outputs.isEmpty()) {
      return Map.of();
    }
    Map<String, String> locations = new LinkedHashMap<>();
    outputs.forEach((name, output) -> locations.put(name, output.location()));
    return locations;
  }

  private static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  private static String stackTrace(Throwable t) {
    StringWriter out = new StringWriter();
    t.printStackTrace(new PrintWriter(out));
    return out.toString();
  }

  private static String human(Duration d) {
    long millis = d.toMillis();
    return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
  }
}
