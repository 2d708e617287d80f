package io.pipewright.internal.store;

import io.pipewright.RunEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes run records on one background thread, in batches: a step's state change costs the engine a queue offer, not
 * a database transaction, and thousands of changes share one commit. {@link #flush()} tells when all that was offered
 * before it is written.
 */
public final class Recorder implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Recorder.class);
  private static final int MAX_BATCH = 10_000;
  /** Each attempt waits for the store's busy timeout: six make a minute. */
  private static final int BUSY_ATTEMPTS = 6;

  private final RunStore store;
  private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
  private final Thread thread;
  private volatile boolean closed;

  private record Flush(CompletableFuture<Void> done) {}

  public Recorder(RunStore store, String name) {
    this.store = store;
    this.thread = new Thread(this::loop, "pipewright-recorder-" + name);
    this.thread.setDaemon(true);
    this.thread.start();
  }

  /** Queues a {@link PlannedRun} or a {@link RunEvent} to be written. */
  public void offer(Object item) {
    queue.add(item);
  }

  /** Completes once everything offered before this call is written (or failed to be, which is logged). */
  public CompletableFuture<Void> flush() {
    CompletableFuture<Void> done = new CompletableFuture<>();
    if (closed && !thread.isAlive()) {
      done.complete(null);
    } else {
      queue.add(new Flush(done));
    }
    return done;
  }

  private void loop() {
    List<Object> batch = new ArrayList<>();
    List<CompletableFuture<Void>> flushes = new ArrayList<>();
    while (true) {
      try {
        Object first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          if (closed) {
            return;
          }
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, MAX_BATCH);
      } catch (InterruptedException e) {
        queue.drainTo(batch);
        closed = true;
      }
      List<Object> records = new ArrayList<>(batch.size());
      for (Object item : batch) {
        if (item instanceof Flush flush) {
          flushes.add(flush.done());
        } else {
          records.add(item);
        }
      }
      write(records);
      flushes.forEach(f -> f.complete(null));
      flushes.clear();
      batch.clear();
      if (closed && queue.isEmpty()) {
        return;
      }
    }
  }

  private void write(List<Object> records) {
    if (records.isEmpty()) {
      return;
    }
    for (int attempt = 1; ; attempt++) {
      try {
        store.record(records);
        return;
      } catch (RuntimeException e) {
        // Another process holding the store's lock longer than SQLite waits is worth waiting for: nothing is lost.
        if (JdbcRunStore.isBusy(e) && attempt < BUSY_ATTEMPTS && !closed) {
          LOG.warn("the run store is locked by another process; recording {} run events again", records.size());
          continue;
        }
        LOG.error("could not record {} run events: {}", records.size(), e.getMessage(), e);
        return;
      }
    }
  }

  /** Writes what is queued, then stops the thread. */
  @Override
  public void close() {
    closed = true;
    queue.add(new Flush(new CompletableFuture<>())); // wakes the thread at once
    try {
      thread.join(TimeUnit.SECONDS.toMillis(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
