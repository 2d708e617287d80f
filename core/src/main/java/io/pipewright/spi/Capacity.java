package io.pipewright.spi;

/**
 * What a compute target can give steps at once. Validation refuses a step whose needs exceed its target's capacity,
 * naming both figures.
 *
 * @param cpus CPUs available to steps
 * @param memoryBytes memory available to steps
 * @param gpus GPUs available to steps
 * @param maxConcurrentSteps how many steps it runs at the same time
 */
public record Capacity(int cpus, long memoryBytes, int gpus, int maxConcurrentSteps) {
  public Capacity {
    if (cpus < 1 || memoryBytes < 0 || gpus < 0 || maxConcurrentSteps < 1) {
      throw new IllegalArgumentException("capacity needs cpus >= 1, memory >= 0, gpus >= 0, steps >= 1, was "
          + cpus + ", " + memoryBytes + ", " + gpus + ", " + maxConcurrentSteps);
    }
  }
}
