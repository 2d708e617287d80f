package io.pipewright.compute.gpu;

import io.pipewright.UserException;
import io.pipewright.internal.engine.ProcessTarget;
import io.pipewright.spi.ComputeTarget;
import io.pipewright.spi.ComputeTargetProvider;
import io.pipewright.spi.ComputeTargetSettings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The {@code gpu} type. When the workspace opens, it runs
 * {@code nvidia-smi --query-gpu=index,name,memory.total --format=csv,noheader} to find the devices; a binary that is
 * missing or fails is a one-line {@link UserException} naming it and what it wrote on its standard error.
 *
 * <p>Settings:
 * <ul>
 *   <li>{@code devices}: {@code "all"} (default) or a list of the indexes steps may use, e.g. {@code [0, 2]};
 *   <li>{@code nvidiaSmi}: the {@code nvidia-smi} binary, a path or a name looked up on {@code PATH} (default
 *       {@code nvidia-smi});
 *   <li>{@code cpus} (default: available processors), {@code memory} (accounted, and the {@code -Xmx} of a step that
 *       declares no memory; default: this machine's memory, and the JVM's default heap), {@code maxConcurrentSteps}
 *       (default: available processors), {@code jvmOptions} and {@code javaHome}: as for the {@code process} target.
 * </ul>
 *
 * <pre>{@code
 * "targets": {"gpu": {"type": "gpu", "devices": [0, 1], "maxConcurrentSteps": 2, "memory": "64g"}}
 * }</pre>
 */
public final class GpuTargetProvider implements ComputeTargetProvider {
  private static final long QUERY_SECONDS = 60;

  @Override
  public String type() {
    return "gpu";
  }

  @Override
  public ComputeTarget create(ComputeTargetSettings settings) {
    settings.only("devices", "nvidiaSmi", "cpus", "memory", "maxConcurrentSteps", "jvmOptions", "javaHome", "env");
    int processors = Runtime.getRuntime().availableProcessors();
    int cpus = settings.integer("cpus", processors, 1);
    long memory = settings.size("memory", 0);
    int steps = settings.integer("maxConcurrentSteps", processors, 1);
    ProcessTarget.Jvm jvm = ProcessTarget.Jvm.of(settings);
    Set<Integer> wanted = wantedDevices(settings);
    List<GpuDevice> found = query(settings, settings.string("nvidiaSmi", "nvidia-smi"));
    List<GpuDevice> used = found;
    if (wanted != null) {
      Map<Integer, GpuDevice> byIndex = new TreeMap<>();
      found.forEach(d -> byIndex.put(d.index(), d));
      used = new ArrayList<>();
      for (int index : wanted) {
        GpuDevice device = byIndex.get(index);
        if (device == null) {
          throw new UserException(settings.path("devices") + ": no device " + index + " (nvidia-smi reports "
              + (byIndex.isEmpty() ? "none" : byIndex.keySet().stream().map(String::valueOf)
                  .collect(Collectors.joining(", "))) + ")");
        }
        used.add(device);
      }
    }
    return new GpuTarget(used, cpus, memory > 0 ? memory : machineMemory(), steps, jvm);
  }

  /** The indexes the {@code devices} setting names, or null for all. */
  private static Set<Integer> wantedDevices(ComputeTargetSettings settings) {
    Object value = settings.values().get("devices");
    if (value == null || "all".equals(value)) {
      return null;
    }
    if (!(value instanceof List<?> list)) {
      throw settings.wrongType("devices", "\"all\" or a list of device indexes", value);
    }
    Set<Integer> indexes = new LinkedHashSet<>();
    for (Object item : list) {
      int index;
      if (item instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && n.doubleValue() >= 0
          && n.doubleValue() <= Integer.MAX_VALUE) {
        index = n.intValue();
      } else if (item instanceof String s && s.strip().matches("\\d{1,9}")) {
        index = Integer.parseInt(s.strip());
      } else {
        throw settings.wrongType("devices", "\"all\" or a list of device indexes", value);
      }
      if (!indexes.add(index)) {
        throw new UserException(settings.path("devices") + ": device " + index + " is listed twice");
      }
    }
    return indexes;
  }

  /** Runs nvidia-smi and reads its devices. */
  static List<GpuDevice> query(ComputeTargetSettings settings, String binary) {
    String where = settings.path("nvidiaSmi") + ": ";
    Process process;
    try {
      process = new ProcessBuilder(binary, GpuDevice.QUERY, "--format=csv,noheader").start();
    } catch (IOException e) {
      throw new UserException(where + "cannot run '" + binary + "': " + e.getMessage()
          + " -- install the NVIDIA driver, or set nvidiaSmi to the path of nvidia-smi");
    }
    try {
      process.getOutputStream().close();
      CompletableFuture<String> errors = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
      String output = read(process.getInputStream());
      if (!process.waitFor(QUERY_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new UserException(where + "'" + binary + "' did not answer in " + QUERY_SECONDS + " s");
      }
      String stderr = errors.join().strip().replaceAll("\\s*\\R\\s*", " ");
      if (process.exitValue() != 0) {
        throw new UserException(where + "'" + binary + "' exited with status " + process.exitValue()
            + (stderr.isEmpty() ? "" : ": " + stderr));
      }
      try {
        return GpuDevice.parse(output);
      } catch (IllegalArgumentException e) {
        throw new UserException(where + "cannot read the output of '" + binary + "': " + e.getMessage());
      }
    } catch (IOException e) {
      throw new UserException(where + "cannot read the output of '" + binary + "': " + e.getMessage());
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new UserException(where + "interrupted while '" + binary + "' ran");
    }
  }

  private static String read(InputStream in) {
    try (in) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      in.transferTo(bytes);
      return bytes.toString(StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  private static long machineMemory() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getTotalMemorySize();
    }
    return Runtime.getRuntime().maxMemory();
  }
}
