package io.pipewright.compute.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pipewright.UserException;
import io.pipewright.spi.ComputeTarget;
import io.pipewright.spi.ComputeTargetSettings;
import io.pipewright.spi.ComputeTargets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Creating the {@code gpu} target from settings: discovery, capacity, and the errors of bad input. */
class GpuTargetProviderTest {
  @TempDir
  Path tmp;

  private ComputeTargetSettings settings(Path nvidiaSmi) {
    return ComputeTargetSettings.defaults("gpu", "gpu").with("nvidiaSmi", nvidiaSmi.toString());
  }

  @Test
  void isFoundByTypeAndReportsTheDevicesNvidiaSmiListsAsCapacity() throws Exception {
    try (ComputeTarget target = ComputeTargets.create(settings(FakeNvidiaSmi.withDevices(tmp, 3))
        .with("cpus", 8).with("memory", "16g").with("maxConcurrentSteps", 2))) {
      assertThat(target).isInstanceOf(GpuTarget.class);
      assertThat(target.type()).isEqualTo("gpu");
      assertThat(target.runsOutOfProcess()).isTrue();
      assertThat(target.capacity()).isEqualTo(new io.pipewright.spi.Capacity(8, 16L << 30, 3, 2));
      assertThat(((GpuTarget) target).devices()).extracting(GpuDevice::name)
          .containsExactly("Fake GPU 0", "Fake GPU 1", "Fake GPU 2");
    }
  }

  @Test
  void usesOnlyTheListedDevices() throws Exception {
    try (GpuTarget target = (GpuTarget) ComputeTargets.create(settings(FakeNvidiaSmi.withDevices(tmp, 4))
        .with("devices", List.of(3, 1)))) {
      assertThat(target.capacity().gpus()).isEqualTo(2);
      assertThat(target.devices()).extracting(GpuDevice::index).containsExactly(3, 1);
      assertThat(target.freeDevices()).containsExactly(1, 3);
    }
  }

  @Test
  void refusesADeviceNvidiaSmiDoesNotList() throws Exception {
    Path smi = FakeNvidiaSmi.withDevices(tmp, 2);

    assertThatThrownBy(() -> ComputeTargets.create(settings(smi).with("devices", List.of(0, 5))))
        .isInstanceOf(UserException.class).hasMessage("targets.gpu.devices: no device 5 (nvidia-smi reports 0, 1)");
    assertThatThrownBy(() -> ComputeTargets.create(settings(smi).with("devices", "first")))
        .isInstanceOf(UserException.class)
        .hasMessage("targets.gpu.devices: expected \"all\" or a list of device indexes, got \"first\"");
  }

  @Test
  void noDevicesIsACapacityOfZeroGpus() throws Exception {
    try (ComputeTarget target = ComputeTargets.create(settings(FakeNvidiaSmi.withDevices(tmp, 0)))) {
      assertThat(target.capacity().gpus()).isZero();
    }
  }

  @Test
  void aMissingNvidiaSmiIsOneLineNamingIt() {
    Path missing = tmp.resolve("no-such-nvidia-smi");

    assertThatThrownBy(() -> ComputeTargets.create(settings(missing))).isInstanceOf(UserException.class)
        .hasMessageStartingWith("targets.gpu.nvidiaSmi: cannot run '" + missing + "': ")
        .hasMessageEndingWith(" -- install the NVIDIA driver, or set nvidiaSmi to the path of nvidia-smi")
        .hasMessageNotContaining("\n");
  }

  @Test
  void aFailingNvidiaSmiIsOneLineWithItsStatusAndStandardError() throws Exception {
    Path failing = FakeNvidiaSmi.failing(tmp);

    assertThatThrownBy(() -> ComputeTargets.create(settings(failing))).isInstanceOf(UserException.class)
        .hasMessage("targets.gpu.nvidiaSmi: '" + failing + "' exited with status 9: NVIDIA-SMI has failed because it"
            + " couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and"
            + " running.");
  }

  @Test
  void outputItCannotReadIsOneLineNamingIt() throws Exception {
    Path odd = FakeNvidiaSmi.printing(tmp, "No devices were found\n");

    assertThatThrownBy(() -> ComputeTargets.create(settings(odd))).isInstanceOf(UserException.class)
        .hasMessage("targets.gpu.nvidiaSmi: cannot read the output of '" + odd
            + "': expected 'index, name, memory', got 'No devices were found'");
  }

  @Test
  void refusesAnUnknownSetting() {
    assertThatThrownBy(() -> ComputeTargets.create(ComputeTargetSettings.defaults("gpu", "gpu").with("gpus", 2)))
        .isInstanceOf(UserException.class).hasMessage("targets.gpu.gpus: unknown setting for a gpu target (known:"
            + " cpus, devices, env, javaHome, jvmOptions, maxConcurrentSteps, memory, nvidiaSmi)");
  }
}
