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

/** The {@code local} target: steps run in this JVM on a bounded pool of threads. */
public final class LocalTarget implements ComputeTarget {
  private final Capacity capacity;
  private final ExecutorService pool;

  /** A pool of {@code threads} threads; its capacity is this machine's processors and the JVM's heap. */
  public LocalTarget(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("local threads must be >= 1, was " + threads);
    }
    this.capacity = new Capacity(Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory(), 0, threads);
    AtomicInteger counter = new AtomicInteger();
    this.pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
        r -> {
          Thread t = new Thread(r, "pipewright-local-" + counter.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
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
        if (runner != null) {
          runner.interrupt();
        }
      }
      done.completeExceptionally(new CancellationException("cancelled"));
    }
  }
}
