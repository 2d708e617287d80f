package io.pipewright.internal.engine;

import io.pipewright.spi.Capacity;
import io.pipewright.spi.ComputeTarget;
import io.pipewright.spi.ComputeTargetProvider;
import io.pipewright.spi.ComputeTargetSettings;

/**
 * The {@code local} type: a pool of threads in this JVM. Settings: {@code threads} (default: available processors),
 * {@code maxConcurrentSteps} (default: threads), {@code cpus} (default: the larger of threads and processors),
 * {@code memory} (a size such as {@code "8g"}; default: the JVM's maximum heap) and {@code gpus} (default 0).
 */
public final class LocalTargetProvider implements ComputeTargetProvider {
  @Override
  public String type() {
    return "local";
  }

  @Override
  public ComputeTarget create(ComputeTargetSettings settings) {
    settings.only("threads", "cpus", "memory", "gpus", "maxConcurrentSteps");
    int threads = settings.integer("threads", Runtime.getRuntime().availableProcessors(), 1);
    Capacity defaults = LocalTarget.defaultCapacity(threads);
    Capacity capacity = new Capacity(settings.integer("cpus", defaults.cpus(), 1),
        settings.size("memory", defaults.memoryBytes()), settings.integer("gpus", 0, 0),
        settings.integer("maxConcurrentSteps", threads, 1));
    return new LocalTarget(threads, capacity);
  }
}
