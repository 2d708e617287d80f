package io.pipewright.internal.store;

import io.pipewright.RunEvent;
import io.pipewright.StepStatus;
import io.pipewright.internal.util.Json;

/**
 * The net change to one step's row from the events of one batch. A step makes three or four changes (queued, started,
 * succeeded) that usually land in the same batch; SQLite's cost is per statement, so the store folds them into one
 * update. Fields left {@code null} keep the row's value.
 */
final class StepRowChange {
  final String runId;
  final String step;
  StepStatus status;
  String target;
  Long startedAt;
  Integer attempts;
  Long finishedAt;
  String outputs;
  boolean errorSet;
  String error;
  boolean traceSet;
  String trace;
  String reason;
  String fingerprint;
  String notReusable;
  String reusedFrom;
  String reuseMiss;
  String keptFromReuse;

  StepRowChange(String runId, String step) {
    this.runId = runId;
    this.step = step;
  }

  /** Folds a step event in, after those already folded; returns false for events that are not row changes. */
  boolean fold(RunEvent event) {
    long at = event.at().toEpochMilli();
    if (event instanceof RunEvent.StepQueued e) {
      status = StepStatus.QUEUED;
      target = e.target();
    } else if (event instanceof RunEvent.StepStarted e) {
      status = StepStatus.RUNNING;
      if (startedAt == null) {
        startedAt = at; // the first start; the row keeps an earlier one (the update uses coalesce)
      }
      attempts = e.attempt();
    } else if (event instanceof RunEvent.StepFingerprinted e) {
      fingerprint = e.fingerprint().hash();
      notReusable = e.notReusable();
    } else if (event instanceof RunEvent.StepReused e) {
      status = StepStatus.REUSED;
      finishedAt = at;
      fingerprint = e.fingerprint();
      reusedFrom = e.reusedFrom();
      outputs = e.outputs().isEmpty() ? "{}" : Json.write(e.outputs());
    } else if (event instanceof RunEvent.StepRetrying e) {
      status = StepStatus.QUEUED;
      setError(e.error());
    } else if (event instanceof RunEvent.StepSucceeded e) {
      status = StepStatus.SUCCEEDED;
      finishedAt = at;
      outputs = e.outputs().isEmpty() ? "{}" : Json.write(e.outputs());
      setError(null);
      setTrace(null);
    } else if (event instanceof RunEvent.StepFailed e) {
      status = StepStatus.FAILED;
      finishedAt = at;
      setError(e.error());
      setTrace(e.trace().isEmpty() ? null : e.trace()); // StepRun: null when there is no trace
    } else if (event instanceof RunEvent.StepSkipped e) {
      status = StepStatus.SKIPPED;
      finishedAt = at;
      reason = e.reason();
    } else if (event instanceof RunEvent.StepCancelled e) {
      status = StepStatus.CANCELLED;
      finishedAt = at;
      reason = e.reason();
    } else {
      return false;
    }
    return true;
  }

  private void setError(String value) {
    errorSet = true;
    error = value;
  }

  private void setTrace(String value) {
    traceSet = true;
    trace = value;
  }

  static boolean isRowChange(RunEvent event) {
    return event instanceof RunEvent.StepFingerprinted || event instanceof RunEvent.StepReused
        || event instanceof RunEvent.StepQueued || event instanceof RunEvent.StepStarted
        || event instanceof RunEvent.StepRetrying || event instanceof RunEvent.StepSucceeded
        || event instanceof RunEvent.StepFailed || event instanceof RunEvent.StepSkipped
        || event instanceof RunEvent.StepCancelled;
  }
}
