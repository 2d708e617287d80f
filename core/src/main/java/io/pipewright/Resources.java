package io.pipewright;

import java.util.Locale;

/**
 * What a step needs from its compute target. Immutable; the withers return a copy, so a step declares its needs as
 * {@code .resources(r -> r.cpus(2).memory("8g").gpus(1))}.
 *
 * @param cpus whole CPUs, at least 1 (default 1)
 * @param memoryBytes memory in bytes, 0 when unspecified (default)
 * @param gpus whole GPUs (default 0)
 */
public record Resources(int cpus, long memoryBytes, int gpus) {
  /** One CPU, unspecified memory, no GPU. */
  public static final Resources DEFAULT = new Resources(1, 0, 0);

  public Resources {
    if (cpus < 1) {
      throw new IllegalArgumentException("cpus must be >= 1, was " + cpus);
    }
    if (memoryBytes < 0) {
      throw new IllegalArgumentException("memory must be >= 0, was " + memoryBytes);
    }
    if (gpus < 0) {
      throw new IllegalArgumentException("gpus must be >= 0, was " + gpus);
    }
  }

  public Resources cpus(int value) {
    return new Resources(value, memoryBytes, gpus);
  }

  /** Memory as a size such as {@code 512m}, {@code 8g} or a plain number of bytes. */
  public Resources memory(String size) {
    return new Resources(cpus, parseSize(size), gpus);
  }

  public Resources memoryBytes(long bytes) {
    return new Resources(cpus, bytes, gpus);
  }

  public Resources gpus(int value) {
    return new Resources(cpus, memoryBytes, value);
  }

  /** Parses {@code 123}, {@code 64k}, {@code 512m}, {@code 8g}, {@code 1t} (binary units, case-insensitive). */
  public static long parseSize(String size) {
    if (size == null || size.isBlank()) {
      throw new IllegalArgumentException("memory size must not be empty");
    }
    String s = size.trim().toLowerCase(Locale.ROOT);
    if (s.endsWith("b")) {
      s = s.substring(0, s.length() - 1);
    }
    long unit = 1;
    char last = s.isEmpty() ? ' ' : s.charAt(s.length() - 1);
    switch (last) {
      case 'k' -> unit = 1L << 10;
      case 'm' -> unit = 1L << 20;
      case 'g' -> unit = 1L << 30;
      case 't' -> unit = 1L << 40;
      default -> unit = 1;
    }
    String digits = unit == 1 ? s : s.substring(0, s.length() - 1);
    try {
      long value = Long.parseLong(digits);
      if (value < 0) {
        throw new NumberFormatException();
      }
      return Math.multiplyExact(value, unit);
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IllegalArgumentException("memory size must look like 512m or 8g, was '" + size + "'");
    }
  }

  /** Formats a byte count the way {@link #parseSize} reads it, e.g. {@code 8g}. */
  public static String formatSize(long bytes) {
    String[] units = {"t", "g", "m", "k"};
    int[] shifts = {40, 30, 20, 10};
    for (int i = 0; i < units.length; i++) {
      long unit = 1L << shifts[i];
      if (bytes >= unit && bytes % unit == 0) {
        return (bytes / unit) + units[i];
      }
    }
    if (bytes >= 1L << 30) {
      return String.format(Locale.ROOT, "%.1fg", bytes / (double) (1L << 30));
    }
    if (bytes >= 1L << 20) {
      return String.format(Locale.ROOT, "%.1fm", bytes / (double) (1L << 20));
    }
    return Long.toString(bytes);
  }
}
