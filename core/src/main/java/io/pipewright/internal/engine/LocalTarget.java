package io.pipewright.internal.engine;

import io.pipewright.spi.Capacity;
import io.pipewright.spi.ComputeTarget;
import io.pipewright.spi.Execution;
import io.pipewright.spi.StepTask;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The {@code local} target: steps run in this JVM on a bounded pool of threads. Its capacity is what the engine
 * accounts steps' needs against; the pool only bounds how many run at once.
 */
public final class LocalTarget implements ComputeTarget {
  private final Capacity capacity;
  private final ExecutorService pool;

  /**
   * A pool of {@code threads} threads, as many steps at a time; its capacity is this machine's processors (at least
   * one per thread, so that every thread can run a one-cpu step) and the JVM's heap, without GPUs.
   */
  public LocalTarget(int threads) {
    this(threads, defaultCapacity(threads));
  }

  /** A pool of {@code threads} threads offering {@code capacity}. */
  public LocalTarget(int threads, Capacity capacity) {
    if (threads < 1) {
      throw new IllegalArgumentException("local threads must be >= 1, was " + threads);
    }
    this.capacity = java.util.Objects.requireNonNull(capacity, "capacity");
    AtomicInteger counter = new AtomicInteger();
    this.pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
        r -> {
          Thread t = new Thread(r, "pipewright-local-" + counter.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
  }

  /** What {@link #LocalTarget(int)} offers. */
  public static Capacity defaultCapacity(int threads) {
    return new Capacity(Math.max(threads, Runtime.getRuntime().availableProcessors()),
        Runtime.getRuntime().maxMemory(), 0, threads);
  }

  @Override
  public String type() {
    return "local";
  }

  @Override
  public Capacity capacity() {
    return capacity;
  }

  @Override
  public Execution submit(StepTask task) {
    LocalExecution execution = new LocalExecution(task);
    pool.execute(execution);
    return execution;
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }

  private static final class LocalExecution implements Execution, Runnable {
    private final StepTask task;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private Thread runner;
    private boolean cancelled;

    LocalExecution(StepTask task) {
      this.task = task;
    }

    @Override
    public void run() {
      synchronized (this) {
        if (cancelled) {
          return;
        }
        runner = Thread.currentThread();
      }
      try {
        task.execute();
        done.complete(null);
      } catch (Throwable t) {
        done.completeExceptionally(t);
      } finally {
        synchronized (this) {
          runner = null;
          Thread.interrupted(); // an interrupt aimed at this step must not hit the next one on this thread
        }
      }
    }

    @Override
    public CompletionStage<Void> completion() {
      return done;
    }

    @Override
    public void cancel() {
      synchronized (this) {
        if (cancelled) {
          return;
        }
        cancelled = true;
        // Completed before the interrupt, so that the step's own InterruptedException cannot complete it first.
        done.completeExceptionally(new CancellationException("cancelled"));
        if (runner != null) {
          runner.interrupt();
        }
      }
    }
  }
}
