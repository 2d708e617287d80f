package io.pipewright.testing;

import io.pipewright.spi.ComputeTarget;
import io.pipewright.spi.ComputeTargetSettings;
import io.pipewright.spi.ComputeTargets;

/** The {@code process} target, created from config settings, passes the contract with real child JVMs. */
class ProcessTargetContractTest extends ComputeTargetContract {
  @Override
  protected ComputeTarget newTarget() {
    return ComputeTargets.create(ComputeTargetSettings.defaults("proc", "process").with("maxConcurrentSteps", 3)
        .with("jvmOptions", java.util.List.of("-XX:TieredStopAtLevel=1")));
  }
}
