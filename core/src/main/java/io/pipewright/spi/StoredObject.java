package io.pipewright.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * An object in a {@link Datastore}, as {@link Datastore#write} stored it or {@link Datastore#info} found it.
 *
 * @param key its key
 * @param size its size in bytes
 * @param sha256 the lower-case hex SHA-256 of its content, as in {@link io.pipewright.DataFile}; always given by
 *     {@code write}, {@code upload} and {@code download}, by {@code info} only where the store keeps it (a blob's
 *     {@code sha256} metadata; not the local folder, which would have to read the file), otherwise null
 * @param lastModified when it was last written, where known (null from {@code write} and {@code download})
 */
public record StoredObject(String key, long size, String sha256, Instant lastModified) {
  public StoredObject {
    Objects.requireNonNull(key, "key");
    if (size < 0) {
      throw new IllegalArgumentException("size must be >= 0, was " + size);
    }
  }
}
