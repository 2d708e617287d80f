package io.pipewright;

import io.pipewright.internal.util.Text;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * What happened to one step in one run.
 *
 * @param computeTarget the logical target it ran (or would have run) on
 * @param startedAt when its first attempt started, or {@code null} if it never started
 * @param finishedAt when it reached its final status, or {@code null} while not final
 * @param attempts attempts started (more than 1 after retries)
 * @param outputs where each output was stored
 * @param metrics metrics the step reported
 * @param error the one-line error of a failed step, or {@code null}
 * @param errorTrace the stack trace behind {@code error}, or {@code null}
 * @param reason why a step was skipped or cancelled, or {@code null}
 * @param fingerprint the hash of its fingerprint, or {@code null} if it never became ready
 * @param reusedFrom for a REUSED step, the run whose execution produced its outputs
 */
public record StepRun(String name, StepKind kind, StepStatus status, String computeTarget, Instant startedAt,
    Instant finishedAt, int attempts, Map<String, String> outputs, Map<String, Double> metrics, String error,
    String errorTrace, String reason, String fingerprint, String reusedFrom) {
  public StepRun {
    outputs = Map.copyOf(outputs);
    metrics = Map.copyOf(metrics);
  }

  /** How long it ran, from its first start to its end; empty if it never started or has not ended. */
  public Optional<Duration> duration() {
    return startedAt == null || finishedAt == null ? Optional.empty()
        : Optional.of(Duration.between(startedAt, finishedAt));
  }

  /** One line for people: name, kind, status, target, then duration and key metrics, or reuse, skip or failure. */
  @Override
  public String toString() {
    return Text.stepLine(this);
  }
}
