package io.pipewright.internal.engine;

import io.pipewright.spi.Capacity;
import io.pipewright.spi.ComputeTarget;
import io.pipewright.spi.ComputeTargetProvider;
import io.pipewright.spi.ComputeTargetSettings;
import java.lang.management.ManagementFactory;

/**
 * The {@code process} type: each step attempt in a JVM of its own on this machine. Settings:
 * {@code maxConcurrentSteps} (default: available processors), {@code cpus} (default: available processors),
 * {@code memory} (accounted, and the {@code -Xmx} of a step that declares no memory; default: this machine's memory,
 * and the JVM's default heap), {@code jvmOptions} (a list, given to every child), {@code javaHome} (default: this
 * JVM's {@code java.home}), {@code env} (variables for every child) and {@code viaDatastore} (default false).
 */
public final class ProcessTargetProvider implements ComputeTargetProvider {
  @Override
  public String type() {
    return "process";
  }

  @Override
  public ComputeTarget create(ComputeTargetSettings settings) {
    settings.only("maxConcurrentSteps", "cpus", "memory", "jvmOptions", "javaHome", "env", "viaDatastore");
    int processors = Runtime.getRuntime().availableProcessors();
    long memory = settings.size("memory", 0);
    Capacity capacity = new Capacity(settings.integer("cpus", processors, 1), memory > 0 ? memory : machineMemory(),
        0, settings.integer("maxConcurrentSteps", processors, 1));
    return new ProcessTarget(capacity, ProcessTarget.Jvm.of(settings), settings.bool("viaDatastore", false));
  }

  private static long machineMemory() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getTotalMemorySize();
    }
    return Runtime.getRuntime().maxMemory();
  }
}
