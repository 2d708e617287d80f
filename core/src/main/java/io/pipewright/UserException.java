package io.pipewright;

/**
 * A mistake in what the user gave Pipewright: the message names the culprit and says what to do about it. The command
 * line prints it as is, without a stack trace.
 */
public class UserException extends PipewrightException {
  private static final long serialVersionUID = 1L;

  public UserException(String message) {
    super(message);
  }

  public UserException(String message, Throwable cause) {
    super(message, cause);
  }
}
