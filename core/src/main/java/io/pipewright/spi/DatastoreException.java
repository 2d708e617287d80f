package io.pipewright.spi;

import io.pipewright.PipewrightException;

/**
 * A datastore operation failed for a reason the user may not control: the network, the disk, the service. The message
 * is one line that begins with the datastore's URI and holds no secrets.
 */
public class DatastoreException extends PipewrightException {
  private static final long serialVersionUID = 1L;

  public DatastoreException(String message) {
    super(message);
  }

  public DatastoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
