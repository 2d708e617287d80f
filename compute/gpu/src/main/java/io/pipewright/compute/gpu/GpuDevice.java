package io.pipewright.compute.gpu;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One GPU as {@code nvidia-smi --query-gpu=index,name,memory.total --format=csv,noheader} reports it, e.g.
 * {@code 0, NVIDIA H100 80GB HBM3, 81559 MiB}.
 *
 * @param index the device's index, as {@code nvidia-smi} and {@code CUDA_VISIBLE_DEVICES} (in PCI bus order) use it
 * @param name its product name
 * @param memoryBytes its memory, 0 when {@code nvidia-smi} does not say ({@code [N/A]})
 */
public record GpuDevice(int index, String name, long memoryBytes) {
  /** The fields {@link #parse} reads, in this order. */
  public static final String QUERY = "--query-gpu=index,name,memory.total";

  public GpuDevice {
    if (index < 0) {
      throw new IllegalArgumentException("index must be >= 0, was " + index);
    }
    Objects.requireNonNull(name, "name");
    if (memoryBytes < 0) {
      throw new IllegalArgumentException("memoryBytes must be >= 0, was " + memoryBytes);
    }
  }

  /**
   * Reads {@code nvidia-smi}'s CSV output, one device a line; blank lines are skipped. {@code nvidia-smi} does not quote
   * fields, so the index is what precedes the first comma, the memory what follows the last, and the name everything
   * between: a name with commas in it survives.
   *
   * @throws IllegalArgumentException for a line that does not read so, naming it
   */
  public static List<GpuDevice> parse(String output) {
    List<GpuDevice> devices = new ArrayList<>();
    for (String line : output.split("\\R")) {
      if (line.isBlank()) {
        continue;
      }
      int first = line.indexOf(',');
      int last = line.lastIndexOf(',');
      if (first < 0 || last == first) {
        throw new IllegalArgumentException("expected 'index, name, memory', got '" + line.strip() + "'");
      }
      int index;
      try {
        index = Integer.parseInt(line.substring(0, first).strip());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("expected a device index first, got '" + line.strip() + "'");
      }
      if (index < 0) {
        throw new IllegalArgumentException("expected a device index first, got '" + line.strip() + "'");
      }
      devices.add(new GpuDevice(index, line.substring(first + 1, last).strip(), memory(line.substring(last + 1))));
    }
    return List.copyOf(devices);
  }

  /** {@code 81559 MiB}, {@code 81559} (with {@code nounits}: MiB), or {@code [N/A]} (0). */
  private static long memory(String field) {
    String s = field.strip().toLowerCase(Locale.ROOT);
    long unit = 1L << 20;
    if (s.endsWith("mib")) {
      s = s.substring(0, s.length() - 3).strip();
    } else if (s.endsWith("gib")) {
      s = s.substring(0, s.length() - 3).strip();
      unit = 1L << 30;
    }
    try {
      return Math.max(0, Long.parseLong(s)) * unit;
    } catch (NumberFormatException e) {
      return 0; // [N/A], [Not Supported]
    }
  }
}
