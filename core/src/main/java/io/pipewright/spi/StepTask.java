package io.pipewright.spi;

import io.pipewright.Resources;

/**
 * One attempt of one step, as the engine hands it to a compute target. The engine has already resolved inputs and
 * prepared the output locations; the target only decides where and when {@link #execute()} runs.
 */
public interface StepTask {
  String runId();

  String stepName();

  /** 1 for the first attempt. */
  int attempt();

  Resources resources();

  /**
   * Runs the step in the calling thread: its body, then the check of its declared outputs. Throws what the body threw,
   * or a {@link io.pipewright.StepException} naming a missing output. Responds to interruption.
   */
  void execute() throws Exception;
}
