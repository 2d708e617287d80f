package io.pipewright.internal.store;

import io.pipewright.StepKind;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** What the store writes when a run starts: the run and all its steps, PENDING, and the process that owns it. */
public record PlannedRun(String runId, String pipeline, Instant startedAt, Map<String, Object> parameters,
    List<PlannedStep> steps, String host, long pid, long pidStartMillis) {

  public record PlannedStep(String name, StepKind kind, String target) {}
}
