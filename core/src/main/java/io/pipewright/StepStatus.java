package io.pipewright;

/** Where a step of a run stands. PENDING, QUEUED and RUNNING are transient; the others are final. */
public enum StepStatus {
  /** Waiting for the steps it depends on. */
  PENDING,
  /** Ready, handed to its compute target, waiting for a slot. */
  QUEUED,
  RUNNING,
  SUCCEEDED,
  /** Not run: an earlier execution with the same fingerprint produced its outputs, which this run uses. */
  REUSED,
  FAILED,
  /** Not run, with a reason: an upstream step failed or was skipped, or the run failed fast. */
  SKIPPED,
  /** Stopped, or never started, because the run was cancelled. */
  CANCELLED;

  public boolean isFinal() {
    return this == SUCCEEDED || this == REUSED || this == FAILED || this == SKIPPED || this == CANCELLED;
  }

  /** Whether its outputs are there for the steps downstream: it succeeded or was reused. */
  public boolean isSuccess() {
    return this == SUCCEEDED || this == REUSED;
  }
}
