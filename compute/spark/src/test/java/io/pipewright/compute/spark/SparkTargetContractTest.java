package io.pipewright.compute.spark;

import io.pipewright.spi.ComputeTarget;
import io.pipewright.spi.ComputeTargetSettings;
import io.pipewright.spi.ComputeTargets;
import io.pipewright.testing.ComputeTargetContract;
import java.util.Map;

/** The spark target keeps the compute target contract; its session is never started, as no attempt asks for it. */
class SparkTargetContractTest extends ComputeTargetContract {
  @Override
  protected ComputeTarget newTarget() {
    return ComputeTargets.create(new ComputeTargetSettings("spark", "spark",
        Map.of("master", "local[2]", "maxConcurrentSteps", 3)));
  }
}
