package io.pipewright.compute.gpu;

import io.pipewright.spi.ComputeTarget;
import io.pipewright.spi.ComputeTargetSettings;
import io.pipewright.spi.ComputeTargets;
import io.pipewright.testing.ComputeTargetContract;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The {@code gpu} target, on a stand-in nvidia-smi with two devices, passes the contract with real child JVMs. */
class GpuTargetContractTest extends ComputeTargetContract {
  @Override
  protected ComputeTarget newTarget() throws Exception {
    Path dir = Files.createTempDirectory("pipewright-gpu-contract");
    dir.toFile().deleteOnExit();
    return ComputeTargets.create(ComputeTargetSettings.defaults("gpu", "gpu")
        .with("nvidiaSmi", FakeNvidiaSmi.withDevices(dir, 2).toString()).with("maxConcurrentSteps", 3)
        .with("jvmOptions", List.of("-XX:TieredStopAtLevel=1")));
  }
}
