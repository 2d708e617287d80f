package io.pipewright.spi;

import io.pipewright.UserException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Checks every key with {@link DatastoreKeys} before the adapter sees it, so that each adapter gets only valid keys
 * and a bad key is refused before anything is written.
 */
final class KeyCheckingDatastore implements Datastore {
  private final Datastore adapter;

  KeyCheckingDatastore(Datastore adapter) {
    this.adapter = Objects.requireNonNull(adapter, "adapter");
  }

  private String key(String key) {
    try {
      return DatastoreKeys.check(key);
    } catch (UserException e) {
      throw new UserException(adapter.uri() + ": " + e.getMessage());
    }
  }

  @Override
  public URI uri() {
    return adapter.uri();
  }

  @Override
  public StoredObject write(String key, InputStream content) {
    key(key);
    return adapter.write(key, Objects.requireNonNull(content, "content"));
  }

  @Override
  public InputStream read(String key) {
    return adapter.read(key(key));
  }

  @Override
  public List<String> list(String prefix) {
    String checked;
    try {
      checked = DatastoreKeys.checkPrefix(prefix);
    } catch (UserException e) {
      throw new UserException(adapter.uri() + ": " + e.getMessage());
    }
    return adapter.list(checked);
  }

  @Override
  public Optional<StoredObject> info(String key) {
    return adapter.info(key(key));
  }

  @Override
  public boolean exists(String key) {
    return adapter.exists(key(key));
  }

  @Override
  public boolean delete(String key) {
    return adapter.delete(key(key));
  }

  @Override
  public StoredObject upload(String key, Path file) {
    key(key);
    return adapter.upload(key, Objects.requireNonNull(file, "file"));
  }

  @Override
  public StoredObject download(String key, Path target) {
    key(key);
    return adapter.download(key, Objects.requireNonNull(target, "target"));
  }

  @Override
  public void close() {
    adapter.close();
  }

  @Override
  public String toString() {
    return adapter.toString();
  }
}
