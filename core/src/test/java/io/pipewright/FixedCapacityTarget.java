package io.pipewright;

import io.pipewright.internal.engine.LocalTarget;
import io.pipewright.spi.Capacity;
import io.pipewright.spi.ComputeTarget;
import io.pipewright.spi.Execution;
import io.pipewright.spi.StepTask;

/** A compute target with a capacity the test chooses, running steps on local threads. */
final class FixedCapacityTarget implements ComputeTarget {
  private final Capacity capacity;
  private final LocalTarget threads = new LocalTarget(2);

  FixedCapacityTarget(Capacity capacity) {
    this.capacity = capacity;
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
    return threads.submit(task);
  }

  @Override
  public void close() {
    threads.close();
  }
}
