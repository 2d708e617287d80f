package io.pipewright;

/** Where a run stands. Only {@link #RUNNING} is transient. */
public enum RunStatus {
  RUNNING,
  SUCCEEDED,
  FAILED,
  CANCELLED;

  public boolean isFinal() {
    return this != RUNNING;
  }
}
