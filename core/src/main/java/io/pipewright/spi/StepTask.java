package io.pipewright.spi;

import io.pipewright.Resources;
import java.time.Duration;
import java.util.Optional;

/**
 * One attempt of one step, as the engine hands it to a compute target. The engine has already resolved inputs and
 * prepared the output locations; the target only decides where and when it runs: in process with {@link #execute()},
 * or in another JVM through the step runner with {@link #outOfProcess()}.
 */
public interface StepTask {
  String runId();

  /** The pipeline's name. */
  String pipeline();

  String stepName();

  /** The step's fingerprint hash ({@code sha256:...}), for labels and names a target gives what it starts. */
  String fingerprint();

  /** 1 for the first attempt. */
  int attempt();

  Resources resources();

  /**
   * The step's timeout, which the engine enforces by cancelling the attempt; a target that runs it elsewhere may also
   * give it to what runs there (a Kubernetes Job's {@code activeDeadlineSeconds}).
   */
  default Optional<Duration> timeout() {
    return Optional.empty();
  }

  /**
   * Runs the step in the calling thread: its body, then the check of its declared outputs. Throws what the body threw,
   * or a {@link io.pipewright.StepException} naming a missing output. Responds to interruption.
   */
  void execute() throws Exception;

  /**
   * The attempt as the step runner runs it in another JVM, for a target whose {@link ComputeTarget#runsOutOfProcess()}
   * is true; empty for an attempt that can only run in process. The engine's attempts always have one: validation
   * refuses, for such targets, a body that the runner cannot recreate (a lambda, an instance that is not
   * {@link java.io.Serializable}).
   */
  default Optional<RunnerAttempt> outOfProcess() {
    return Optional.empty();
  }
}
