package io.pipewright.internal.engine;

import io.pipewright.spi.Capacity;
import io.pipewright.spi.ComputeTarget;
import io.pipewright.spi.ComputeTargetProvider;
import io.pipewright.spi.ComputeTargetSettings;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;

/**
 * The {@code process} type: each step attempt in a JVM of its own on this machine. Settings:
 * {@code maxConcurrentSteps} (default: available processors), {@code cpus} (default: available processors),
 * {@code memory} (accounted, and the {@code -Xmx} of a step that declares no memory; default: this machine's memory,
 * and the JVM's default heap), {@code jvmOptions} (a list, given to every child) and {@code javaHome} (default: this
 * JVM's {@code java.home}).
 */
public final class ProcessTargetProvider implements ComputeTargetProvider {
  @Override
  public String type() {
    return "process";
  }

  @Override
  public ComputeTarget create(ComputeTargetSettings settings) {
    settings.only("maxConcurrentSteps", "cpus", "memory", "jvmOptions", "javaHome", "viaDatastore");
    int processors = Runtime.getRuntime().availableProcessors();
    long memory = settings.size("memory", 0);
    Capacity capacity = new Capacity(settings.integer("cpus", processors, 1), memory > 0 ? memory : machineMemory(),
        0, settings.integer("maxConcurrentSteps", processors, 1));
    Path javaHome = Path.of(settings.string("javaHome", System.getProperty("java.home")));
    return new ProcessTarget(capacity, javaHome, settings.strings("jvmOptions"), memory,
        settings.bool("viaDatastore", false));
  }

  private static long machineMemory() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getTotalMemorySize();
    }
    return Runtime.getRuntime().maxMemory();
  }
}
