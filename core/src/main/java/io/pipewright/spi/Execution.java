package io.pipewright.spi;

import java.util.concurrent.CompletionStage;

/**
 * A step attempt submitted to a compute target: a thin handle, as the engine owns queueing, timeouts and retries.
 */
public interface Execution {
  /**
   * Completes when the attempt ends: normally when it succeeded, exceptionally with what it threw, or with a
   * {@link java.util.concurrent.CancellationException} once cancelled.
   */
  CompletionStage<Void> completion();

  /**
   * Stops the attempt: one that has not started never starts, a running one is interrupted. Idempotent; the completion
   * ends at once, whether or not the step's own thread has stopped yet.
   */
  void cancel();
}
