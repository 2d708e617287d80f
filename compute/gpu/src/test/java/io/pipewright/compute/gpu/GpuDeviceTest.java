package io.pipewright.compute.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Reading nvidia-smi's {@code --format=csv,noheader} output. */
class GpuDeviceTest {
  private static final long MIB = 1L << 20;

  @Test
  void readsOneDeviceALine() {
    assertThat(GpuDevice.parse("0, NVIDIA H100 80GB HBM3, 81559 MiB\n1, NVIDIA H100 80GB HBM3, 81559 MiB\n"))
        .containsExactly(new GpuDevice(0, "NVIDIA H100 80GB HBM3", 81559 * MIB),
            new GpuDevice(1, "NVIDIA H100 80GB HBM3", 81559 * MIB));
  }

  @Test
  void keepsCommasInANameSinceNvidiaSmiDoesNotQuoteIt() {
    assertThat(GpuDevice.parse("3, Odd, Name, Inc., 1024 MiB"))
        .containsExactly(new GpuDevice(3, "Odd, Name, Inc.", 1024 * MIB));
  }

  @Test
  void skipsBlankLinesAndReadsCarriageReturnsUnknownMemoryAndNoUnits() {
    assertThat(GpuDevice.parse("\r\n0, A, [N/A]\r\n\n2, B, 512\n")).containsExactly(new GpuDevice(0, "A", 0),
        new GpuDevice(2, "B", 512 * MIB));
  }

  @Test
  void readsNothingAsNoDevices() {
    assertThat(GpuDevice.parse("")).isEmpty();
  }

  @Test
  void refusesALineWithoutThreeFieldsOrAnIndex() {
    assertThatThrownBy(() -> GpuDevice.parse("No devices were found"))
        .hasMessage("expected 'index, name, memory', got 'No devices were found'");
    assertThatThrownBy(() -> GpuDevice.parse("GPU-1234, A, 1 MiB"))
        .hasMessage("expected a device index first, got 'GPU-1234, A, 1 MiB'");
  }
}
