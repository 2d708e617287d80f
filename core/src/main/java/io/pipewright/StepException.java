package io.pipewright;

/**
 * Thrown by a step body to fail its step with a clear message. By default a failure is retried when the step has a
 * retry policy; {@link #nonRetryable} says that trying again cannot help (bad data, a wrong parameter).
 */
public class StepException extends PipewrightException {
  private static final long serialVersionUID = 1L;

  private final boolean retryable;

  public StepException(String message) {
    this(message, null, true);
  }

  public StepException(String message, Throwable cause) {
    this(message, cause, true);
  }

  private StepException(String message, Throwable cause, boolean retryable) {
    super(message, cause);
    this.retryable = retryable;
  }

  /** A failure that retries would only repeat. */
  public static StepException nonRetryable(String message) {
    return new StepException(message, null, false);
  }

  /** A failure that retries would only repeat, caused by {@code cause}. */
  public static StepException nonRetryable(String message, Throwable cause) {
    return new StepException(message, cause, false);
  }

  public boolean retryable() {
    return retryable;
  }
}
