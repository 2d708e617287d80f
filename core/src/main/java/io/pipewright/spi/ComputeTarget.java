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

  /**
   * Whether it runs steps in another process, through {@link StepTask#outOfProcess()} rather than {@link
   * StepTask#execute()}; validation then refuses bodies that cannot be recreated there. Default false.
   */
  default boolean runsOutOfProcess() {
    return false;
  }

  /**
   * Whether it runs steps on machines that share nothing with this one but the workspace's datastore, through
   * {@link RunnerAttempt#startRemote()}; validation then requires the workspace to have a datastore. Default false.
   */
  default boolean runsOnOtherMachines() {
    return false;
  }

  /**
   * What the fingerprint records as the step's environment ({@code env:target}): targets that run the same code, on
   * the same classpath, with the same libraries, give the same value, so that an execution on one is reused on the
   * other. {@code process} runs this JVM's classpath in another JVM, and says {@code local}. Default: {@link #type()}.
   */
  default String environment() {
    return type();
  }

  /** Starts (or queues) one attempt; never blocks on the step itself. */
  Execution submit(StepTask task);

  /** Releases the target's threads or connections; running attempts are interrupted. */
  @Override
  void close();
}
