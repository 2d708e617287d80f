package io.pipewright.steps;

import io.pipewright.internal.util.Text;
import io.pipewright.Dataset;
import io.pipewright.StepContext;
import io.pipewright.StepException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.MDC;

/**
 * One attempt of a {@link Parallel} step: cuts the partitions on the step's thread, computes them on a pool, gathers
 * the results. The step's thread is the only one that decides: it launches partitions, counts outcomes, stops the
 * pool, and gathers; pool threads only compute a partition and hand back its outcome.
 */
final class ParallelExecution {
  /** How many failed partitions an error message names. */
  private static final int SHOWN_FAILURES = 3;
  /** How long a stopped step waits for partitions that do not react to their interrupt. */
  private static final long STOP_WAIT_SECONDS = 5;

  private final Parallel spec;
  private final StepContext ctx;
  private PartitionFunction function;
  private final Logger log;
  private final Object contextLock = new Object();
  private final Map<String, String> mdc;
  private final Map<Integer, Outcome> outcomes = new TreeMap<>();
  private PartitionKey keys; // null: partitions are not reused
  private Path work;
  private boolean temporaryFiles;
  private volatile boolean stopping;
  private int failures;

  /**
   * What became of one partition.
   *
   * @param result the folder holding its results, or null when it failed or was cancelled
   * @param failure why it failed, or null
   * @param keptFromReuse why the partition kept its result from reuse (then it is not stored), or null
   */
  private record Outcome(Partition partition, Path result, boolean reused, int attempts, Throwable failure,
      String keptFromReuse) {
    Outcome(Partition partition, Path result, boolean reused, int attempts, Throwable failure) {
      this(partition, result, reused, attempts, failure, null);
    }

    boolean failed() {
      return failure != null;
    }
  }

  ParallelExecution(Parallel spec, StepContext ctx) {
    this.spec = spec;
    this.ctx = ctx;
    this.log = ctx.log();
    this.mdc = MDC.getCopyOfContextMap();
  }

  void run() throws Exception {
    Dataset data = ctx.dataset(spec.input());
    Path out = ctx.outputDir(spec.into()); // before any work: an undeclared output fails at once
    if (data.files().isEmpty()) {
      throw StepException.nonRetryable("input '" + spec.input() + "' is empty: a parallel step needs at least one"
          + " file to partition (" + data.root() + ")");
    }
    function = spec.function(ctx);
    keys = PartitionKey.of(ctx.fingerprint(), spec.input(), spec.partitioning()).orElse(null);
    if (keys == null) {
      log.warn("partitions are not reused: the step's fingerprint holds no canonical state of its body and no"
          + " version(...) vouches for it -- give the partition function as a lambda, a record or a class");
    }
    work = Files.createDirectories(ctx.tempDir().resolve("parallel"));
    int concurrency = spec.maxConcurrency();
    int launched = 0;
    boolean exhausted = false;
    ExecutorService pool = Executors.newFixedThreadPool(concurrency, threads());
    // Partitions cut but not finished: bounds the chunk files on disk, and keeps cutting ahead of the pool.
    Semaphore slots = new Semaphore(2 * concurrency);
    BlockingQueue<Outcome> done = new LinkedBlockingQueue<>();
    try (PartitionSource source = spec.rowsPerChunk() == 0 ? PartitionSource.files(data)
        : PartitionSource.chunks(data, spec.rowsPerChunk(), spec.header(), work.resolve("chunks"))) {
      temporaryFiles = source.temporary();
      while (true) {
        slots.acquire(); // throws when the step's thread is interrupted: a timeout, or the run was cancelled
        if (drain(done)) {
          slots.release();
          break;
        }
        Partition partition = next(source);
        if (partition == null) {
          slots.release();
          exhausted = true;
          break;
        }
        launched++;
        pool.execute(() -> {
          try {
            done.add(compute(partition));
          } finally {
            slots.release(); // after the outcome is queued: the step's thread, woken, then sees it
          }
        });
      }
      while (!tooManyFailures() && outcomes.size() < launched) {
        record(done.take());
      }
    } finally {
      stop(pool);
    }
    if (launched == 0) {
      int n = data.files().size();
      throw StepException.nonRetryable("input '" + spec.input() + "' has no rows to partition: "
          + (n == 1 ? "its file is empty" : "its " + n + " files are empty")
          + (!spec.header() ? "" : n == 1 ? " or holds only its header" : " or hold only their headers"));
    }
    report(launched, exhausted ? launched : spec.rowsPerChunk() == 0 ? data.files().size() : -1);
    gather(out);
  }

  private Partition next(PartitionSource source) throws InterruptedException {
    try {
      return source.next();
    } catch (ClosedByInterruptException e) {
      throw (InterruptedException) new InterruptedException("interrupted while cutting a chunk").initCause(e);
    } catch (IOException e) {
      throw new StepException("input '" + spec.input() + "': cannot cut it into chunks: " + e, e);
    }
  }

  /** Records the outcomes at hand, up to the failure too many; whether the step must stop now. */
  private boolean drain(BlockingQueue<Outcome> done) {
    for (Outcome o; !tooManyFailures() && (o = done.poll()) != null; ) {
      record(o);
    }
    return tooManyFailures();
  }

  private void record(Outcome outcome) {
    outcomes.put(outcome.partition().index(), outcome);
    if (outcome.failed()) {
      failures++;
    }
  }

  private boolean tooManyFailures() {
    return failures > spec.errorThreshold();
  }

  /** Stops launching, interrupts the partitions still running, and waits a little for them to end. */
  private void stop(ExecutorService pool) {
    stopping = true;
    pool.shutdownNow();
    boolean interrupted = Thread.interrupted();
    try {
      if (!pool.awaitTermination(STOP_WAIT_SECONDS, TimeUnit.SECONDS)) {
        log.warn("partitions still running {} s after they were interrupted: they are left behind",
            STOP_WAIT_SECONDS);
      }
    } catch (InterruptedException e) {
      interrupted = true;
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  // ---------------------------------------------------------------- one partition, on a pool thread

  private Outcome compute(Partition partition) {
    if (mdc != null) {
      MDC.setContextMap(mdc);
    }
    try {
      String key = keys == null ? null : keys.of(partition.name(), partition.contentHash());
      if (key != null) {
        Optional<Path> stored = ctx.units().find(key);
        if (stored.isPresent()) {
          return new Outcome(partition, stored.get(), true, 0, null);
        }
      }
      int tries = spec.partitionRetries() + 1;
      for (int attempt = 1; ; attempt++) {
        Path dir = work.resolve(String.format("%05d-%d", partition.index(), attempt));
        try {
          if (stopping) {
            return cancelled(partition);
          }
          Path out = Files.createDirectories(dir.resolve("out"));
          PartitionContext partitionCtx = new PartitionContext(ctx, contextLock, log, spec.into(), dir.resolve("tmp"));
          function.run(partition, out, partitionCtx);
          if (stopping) {
            return cancelled(partition); // it may have returned early, interrupted: its results may be partial
          }
          if (partitionCtx.keptFromReuse() != null) {
            log.info("{} keeps its result from reuse: {}", partition, partitionCtx.keptFromReuse());
            return new Outcome(partition, out, false, attempt, null, partitionCtx.keptFromReuse());
          }
          if (key == null) {
            return new Outcome(partition, out, false, attempt, null);
          }
          Path stored = ctx.units().store(key, out);
          deleteQuietly(dir);
          return new Outcome(partition, stored, false, attempt, null);
        } catch (Throwable e) { // whatever a partition throws is its failure, not the pool's
          deleteQuietly(dir);
          if (stopping) {
            return cancelled(partition);
          }
          boolean retryable = !(e instanceof StepException se) || se.retryable();
          if (!retryable || attempt == tries) {
            return new Outcome(partition, null, false, attempt, e);
          }
          log.info("{} failed (attempt {} of {}), trying again: {}", partition, attempt, tries, Text.oneLine(e));
        }
      }
    } catch (RuntimeException e) { // the key or the store could not be read
      return stopping ? cancelled(partition) : new Outcome(partition, null, false, 0, e);
    } finally {
      if (temporaryFiles) {
        partition.files().forEach(f -> deleteQuietly(f.getParent()));
      }
      MDC.clear();
    }
  }

  private static Outcome cancelled(Partition partition) {
    return new Outcome(partition, null, false, 0, null);
  }

  // ---------------------------------------------------------------- the end

  /**
   * Reports the metrics and logs the failed partitions; fails the step when too many partitions failed, or all.
   *
   * @param total how many partitions there are, or -1 when not known (chunks not all cut)
   */
  private void report(int launched, int total) {
    List<Outcome> failed = outcomes.values().stream().filter(Outcome::failed).toList();
    long reused = outcomes.values().stream().filter(Outcome::reused).count();
    ctx.metric("partitions.total", total >= 0 ? total : launched);
    ctx.metric("partitions.failed", failed.size());
    ctx.metric("partitions.reused", reused);
    int finished = outcomes.size();
    log.info("partitions: {} in all, {} computed, {} reused, {} failed", total >= 0 ? total : launched + "+",
        finished - reused - failed.size(), reused, failed.size());
    List<Outcome> kept = outcomes.values().stream().filter(o -> o.keptFromReuse() != null).toList();
    if (failed.isEmpty()) {
      keepFromReuse(failed, kept, finished);
      return;
    }
    boolean retryable = failed.stream().anyMatch(o -> !(o.failure() instanceof StepException se) || se.retryable());
    String failures = list(failed, o -> Text.oneLine(o.failure()));
    if (tooManyFailures()) {
      boolean complete = finished == total;
      String message = (complete ? failed.size() + " of " + total : Integer.toString(failed.size()))
          + (failed.size() == 1 && !complete ? " partition" : " partitions") + " failed, more than the error"
          + " threshold " + spec.errorThreshold()
          + (complete ? "" : " (stopped with " + finished + (total >= 0 ? " of " + total : "") + " done)")
          + ": " + failures;
      throw retryable ? new StepException(message) : StepException.nonRetryable(message);
    }
    if (failed.size() == finished) {
      String message = "all " + finished + (finished == 1 ? " partition" : " partitions") + " failed: " + failures;
      throw retryable ? new StepException(message) : StepException.nonRetryable(message);
    }
    for (Outcome o : failed) {
      log.warn("{} failed after {} {}, its results are left out: {}", o.partition(), o.attempts(),
          o.attempts() == 1 ? "attempt" : "attempts", Text.oneLine(o.failure()));
    }
    keepFromReuse(failed, kept, finished);
  }

  /**
   * Keeps a knowingly partial output from reuse, so that the next run runs the step again: it then computes the
   * failed partitions, and those that kept their results from reuse, and reuses the others from the store.
   */
  private void keepFromReuse(List<Outcome> failed, List<Outcome> kept, int total) {
    List<String> reasons = new ArrayList<>();
    if (!failed.isEmpty()) {
      reasons.add(failed.size() + " of " + total + " partitions failed: " + list(failed, o -> Text.oneLine(o.failure())));
    }
    if (!kept.isEmpty()) {
      reasons.add(kept.size() + " of " + total + " partitions kept their results from reuse: "
          + list(kept, Outcome::keptFromReuse));
    }
    if (!reasons.isEmpty()) {
      ctx.keepFromReuse(String.join("; ", reasons));
    }
  }

  /** The first partitions with what is said of each: {@code partition 1 'b.txt': ...; and 2 more}. */
  private static String list(List<Outcome> outcomes, Function<Outcome, String> what) {
    return outcomes.stream().limit(SHOWN_FAILURES).map(o -> o.partition() + ": " + what.apply(o))
        .collect(Collectors.joining("; "))
        + (outcomes.size() > SHOWN_FAILURES ? "; and " + (outcomes.size() - SHOWN_FAILURES) + " more" : "");
  }

  private void gather(Path out) throws IOException {
    List<PartitionGather.Part> parts = new ArrayList<>();
    for (Outcome o : outcomes.values()) {
      if (o.result() != null) {
        parts.add(new PartitionGather.Part(o.partition(), o.result()));
      }
    }
    if (spec.appendFile() == null) {
      PartitionGather.folders(out, parts);
    } else {
      PartitionGather.append(out.resolve(spec.appendFile()), parts, spec.appendHeader());
    }
  }

  // ---------------------------------------------------------------- helpers

  private ThreadFactory threads() {
    AtomicInteger count = new AtomicInteger();
    String prefix = "pipewright-" + ctx.stepName() + "-partition-";
    return task -> {
      Thread thread = new Thread(task, prefix + count.incrementAndGet());
      thread.setDaemon(true); // one that ignores its interrupt must not keep the JVM alive
      return thread;
    };
  }

  private static void deleteQuietly(Path path) {
    if (!Files.exists(path)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(path)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException | UncheckedIOException e) {
      // scratch space: the engine removes the run's staging when the run ends
    }
  }
}
