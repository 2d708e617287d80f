package io.pipewright;

import io.pipewright.spi.Capacity;
import io.pipewright.spi.ComputeTarget;
import io.pipewright.spi.ComputeTargetProvider;
import io.pipewright.spi.ComputeTargetSettings;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** The {@code fixed} type, for tests: a {@link FixedCapacityTarget} with the capacity its settings give. */
public final class FixedTargetProvider implements ComputeTargetProvider {
  /** Every target created, in order, so tests can see how often and whether each was closed. */
  static final List<FixedCapacityTarget> CREATED = new CopyOnWriteArrayList<>();

  @Override
  public String type() {
    return "fixed";
  }

  @Override
  public ComputeTarget create(ComputeTargetSettings settings) {
    settings.only("cpus", "memory", "gpus", "maxConcurrentSteps", "token");
    FixedCapacityTarget target = new FixedCapacityTarget(new Capacity(settings.integer("cpus", 4, 1),
        settings.size("memory", 1L << 30), settings.integer("gpus", 0, 0),
        settings.integer("maxConcurrentSteps", 4, 1)));
    CREATED.add(target);
    return target;
  }
}
