package io.pipewright;

import java.util.Objects;

/**
 * One thing wrong with a pipeline or a run's parameters, found by validation.
 *
 * @param step the step it concerns, or {@code null} when it concerns the pipeline as a whole (a parameter value)
 * @param message one line, culprit first, e.g. {@code step 'train': unknown compute target 'gpu' (configured: local)}
 */
public record Problem(String step, String message) {
  public Problem {
    Objects.requireNonNull(message, "message");
  }

  @Override
  public String toString() {
    return message;
  }
}
