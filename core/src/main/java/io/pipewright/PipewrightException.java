package io.pipewright;

/**
 * Root of Pipewright's exceptions. Unchecked, so that pipeline code reads as plain Java.
 *
 * <p>{@link UserException} marks mistakes a user can fix from the message alone (bad parameters, an invalid pipeline,
 * a workspace that cannot be opened); tools print those as one line without a stack trace.
 */
public class PipewrightException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public PipewrightException(String message) {
    super(message);
  }

  public PipewrightException(String message, Throwable cause) {
    super(message, cause);
  }
}
