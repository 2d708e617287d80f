package io.pipewright;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/** A submitted run in progress: wait for it, look at it, or cancel it. Thread-safe. */
public interface RunHandle {
  String id();

  /** Blocks until the run ends (and is recorded), then returns it. */
  Run await();

  /** Waits at most {@code timeout}; empty if the run has not ended by then. */
  Optional<Run> await(Duration timeout);

  /** Completes with the final run once it has ended and been recorded. */
  CompletionStage<Run> completion();

  /** The run as it stands now. */
  Run snapshot();

  /**
   * Cancels the run: steps not yet started never start, running ones are interrupted, and the run ends CANCELLED.
   * Idempotent; does nothing once the run has ended.
   */
  void cancel();
}
