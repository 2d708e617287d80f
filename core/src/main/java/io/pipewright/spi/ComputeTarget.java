package io.pipewright.spi;

/**
 * Where steps run: a thread pool, a process, a cluster. Targets are bound to the logical names that steps use
 * ({@code .on("gpu")}) by the workspace; the engine submits each ready step attempt and watches its execution.
 *
 * <p>Implementations must be thread-safe: the engine submits from several threads.
 */
public interface ComputeTarget extends AutoCloseable {
  /** The adapter type, as named in config: {@code local}, {@code process}, {@code gpu}, ... */
  String type();

  Capacity capacity();

  /** Starts (or queues) one attempt; never blocks on the step itself. */
  Execution submit(StepTask task);

  /** Releases the target's threads or connections; running attempts are interrupted. */
  @Override
  void close();
}
