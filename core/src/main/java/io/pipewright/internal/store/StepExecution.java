package io.pipewright.internal.store;

import io.pipewright.StepKind;
import io.pipewright.StepStatus;
import java.time.Instant;
import java.util.Map;

/**
 * One step of one run as the store has it, with what comparing two executions needs: the run's pipeline and start,
 * the step's fingerprint, why that fingerprint is not reusable (if so), and where its outputs lie.
 *
 * @param fingerprint the hash of its fingerprint, or {@code null} if it never became ready
 * @param notReusable why an execution with this fingerprint must not be reused, or {@code null}
 * @param reuseMiss why the step ran although it could have been reused, as the engine decided; {@code null} when it
 *     was reused, was not reusable, or was recorded before this was
 * @param outputs where each output lies, by output name
 * @param keptFromReuse why the step kept its outputs from reuse by later runs, or {@code null}
 */
public record StepExecution(String runId, String pipeline, Instant runStartedAt, String step, StepKind kind,
    StepStatus status, String fingerprint, String notReusable, Map<String, String> outputs,
    ReuseMiss.Reason reuseMiss, String keptFromReuse) {
  public StepExecution {
    outputs = Map.copyOf(outputs);
  }
}
