package io.pipewright.testing;

import io.pipewright.spi.ComputeTarget;
import io.pipewright.spi.ComputeTargetSettings;
import io.pipewright.spi.ComputeTargets;

/** The {@code local} target, created from config settings as a workspace creates it, passes the contract. */
class LocalTargetContractTest extends ComputeTargetContract {
  @Override
  protected ComputeTarget newTarget() {
    return ComputeTargets.create(ComputeTargetSettings.defaults("local", "local").with("threads", 3));
  }
}
