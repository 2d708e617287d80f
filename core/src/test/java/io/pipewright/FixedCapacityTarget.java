package io.pipewright;

import io.pipewright.internal.engine.LocalTarget;
import io.pipewright.spi.Capacity;
import io.pipewright.spi.ComputeTarget;
import io.pipewright.spi.Execution;
import io.pipewright.spi.StepTask;

/**
 * A compute target with a capacity the test chooses, running steps on local threads (as many as its concurrent steps,
 * at least two): it runs whatever it is given, so only the engine's accounting keeps steps within its capacity.
 */
final class FixedCapacityTarget implements ComputeTarget {
  private final Capacity capacity;
  private final LocalTarget threads;
  volatile boolean closed;
  /** How many attempts it was handed. */
  final java.util.concurrent.atomic.AtomicInteger submitted = new java.util.concurrent.atomic.AtomicInteger();

  FixedCapacityTarget(Capacity capacity) {
    this.capacity = capacity;
    this.threads = new LocalTarget(Math.max(2, capacity.maxConcurrentSteps()));
  }

  @Override
  public String type() {
    return "fixed";
  }

  @Override
  public Capacity capacity() {
    return capacity;
  }

  @Override
  public Execution submit(StepTask task) {
    submitted.incrementAndGet();
    return threads.submit(task);
  }

  @Override
  public void close() {
    closed = true;
    threads.close();
  }
}
