package io.pipewright.spi;

/** There is no object under the key that was read. */
public class NoSuchObjectException extends DatastoreException {
  private static final long serialVersionUID = 1L;

  private final String key;

  /** @param datastore the datastore's URI, without secrets */
  public NoSuchObjectException(String datastore, String key) {
    super(datastore + ": no object " + DatastoreKeys.quote(key));
    this.key = key;
  }

  public String key() {
    return key;
  }
}
