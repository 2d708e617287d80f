package io.pipewright;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * A state change of a run, delivered to {@link RunListener}s as it happens and recorded in the run store. Events of
 * one step arrive in order; events of different steps may interleave.
 */
public sealed interface RunEvent {
  String runId();

  Instant at();

  /** The step it concerns, or {@code null} for run-level events. */
  default String step() {
    return null;
  }

  record RunStarted(String runId, Instant at, String pipeline, Map<String, Object> parameters) implements RunEvent {}

  record RunFinished(String runId, Instant at, RunStatus status, String error) implements RunEvent {}

  /** Ready, and handed to its compute target. */
  record StepQueued(String runId, Instant at, String step, String target) implements RunEvent {}

  record StepStarted(String runId, Instant at, String step, int attempt) implements RunEvent {}

  /** @param outputs where each output was stored */
  record StepSucceeded(String runId, Instant at, String step, Map<String, String> outputs) implements RunEvent {}

  /**
   * The step's fingerprint, computed when it became ready, before it is run or reused.
   *
   * @param notReusable why an execution with this fingerprint must not be reused, or {@code null}
   */
  record StepFingerprinted(String runId, Instant at, String step, Fingerprint fingerprint, String notReusable)
      implements RunEvent {}

  /**
   * Not run: an earlier execution with the same fingerprint left outputs that are still intact, and this run uses
   * them.
   *
   * @param reusedFrom the run whose execution produced the outputs
   */
  record StepReused(String runId, Instant at, String step, String fingerprint, String reusedFrom,
      Map<String, String> outputs) implements RunEvent {}

  /** @param trace the stack trace of what the step threw, empty for failures the engine detected itself */
  record StepFailed(String runId, Instant at, String step, int attempt, String error, String trace)
      implements RunEvent {}

  /** An attempt failed and another follows after {@code delay}. */
  record StepRetrying(String runId, Instant at, String step, int attempt, Duration delay, String error)
      implements RunEvent {}

  record StepSkipped(String runId, Instant at, String step, String reason) implements RunEvent {}

  record StepCancelled(String runId, Instant at, String step, String reason) implements RunEvent {}

  /** A line a step logged through {@link StepContext#log()}. */
  record Log(String runId, Instant at, String step, String level, String message) implements RunEvent {}

  record Metric(String runId, Instant at, String step, String name, double value) implements RunEvent {}
}
