package io.pipewright.spi;

import io.pipewright.UserException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Where data lives: a flat set of objects named by keys, in a local folder ({@code file:}, the embedded default) or
 * a remote store such as Azure Blob Storage ({@code azureblob://account/container/prefix}). Open one with {@link
 * Datastores#open(String)}; adapters implement this interface and a {@link DatastoreProvider}.
 *
 * <pre>{@code
 * try (Datastore store = Datastores.open("azureblob://acct/ml/projects/digits")) {
 *   StoredObject stored = store.upload("raw/digits.csv.gz", Path.of("data/digits.csv.gz"));
 *   try (InputStream in = store.read("raw/digits.csv.gz")) { ... }
 *   store.list("raw");                                      // [raw/digits.csv.gz]
 * }
 * }</pre>
 *
 * <p><b>Keys</b> are relative paths with {@code /} separators, such as {@code runs/7f3c/model.bin}; the rules are
 * in {@link DatastoreKeys} and are the same for every datastore. A datastore opened through {@link Datastores}
 * checks every key before its adapter sees it: a bad key is refused with a {@link UserException} naming it, and
 * nothing is written. "Folders" are only a way of reading keys: an object {@code a/b} makes {@code a} a prefix, not an
 * object; a key that is also a prefix of other keys works in blob stores but not in a local folder, so avoid it.
 *
 * <p><b>Atomic objects.</b> A reader sees an object whole or not at all, never half written: the local folder writes
 * a temporary file and renames it, a blob store commits the upload at its end. Concurrent writers of one key leave
 * one of their objects, complete; a writer whose stream fails leaves the previous object (or none) in place.
 *
 * <p><b>Streaming.</b> {@link #write} and {@link #read} stream: an object is never held in memory whole, so objects
 * of any size pass through a bounded buffer. {@link #upload} and {@link #download} move files, in parallel where the
 * adapter can.
 *
 * <p><b>Errors</b> are unchecked: {@link NoSuchObjectException} for a missing key, {@link UserException} for
 * what the user can fix from the message (a bad key, wrong credentials, a missing container), {@link
 * DatastoreException} for the rest (network, disk). Messages are one line, begin with the datastore's {@link #uri()}
 * and never hold secrets.
 *
 * <p>Implementations are thread-safe.
 */
public interface Datastore extends AutoCloseable {
  /** Where this datastore is, without secrets: {@code file:///data/ml/} or {@code azureblob://acct/ml/digits}. */
  URI uri();

  /**
   * Stores {@code content} under {@code key}, replacing what was there once the whole stream has been stored. The
   * stream is read to its end, not closed.
   *
   * @return the stored object: its size and the SHA-256 of what was read
   * @throws UserException for a bad key
   * @throws DatastoreException if the stream or the store failed; the key then holds what it held before
   */
  StoredObject write(String key, InputStream content);

  /**
   * Reads an object as a stream, which the caller closes. Where the store kept a checksum of the object (a blob's
   * {@code sha256} metadata or Content-MD5), the stream checks it and throws an {@link IOException} at its end if the
   * bytes differ.
   *
   * @throws NoSuchObjectException if there is no object under {@code key}
   */
  InputStream read(String key);

  /**
   * The keys of the objects below {@code prefix}, sorted ({@link String#compareTo}): {@code list("runs/7f3c")}
   * gives {@code runs/7f3c/model.bin} and {@code runs/7f3c/metrics/a.json} but neither {@code runs/7f3c} nor
   * {@code runs/7f3cd/x}. An empty prefix lists every object; a trailing {@code /} changes nothing. Names in the
   * underlying store that are not valid keys (written by other tools) are left out.
   */
  List<String> list(String prefix);

  /** The object under {@code key}, if there is one: its size, modification time and (where stored) SHA-256. */
  Optional<StoredObject> info(String key);

  /** Whether an object is stored under {@code key}; a prefix of other keys is not an object. */
  default boolean exists(String key) {
    return info(key).isPresent();
  }

  /** Deletes the object under {@code key}, if any: a missing key is fine. @return whether an object was deleted */
  boolean delete(String key);

  /**
   * Stores a file under {@code key}, as {@link #write} does with its content. Adapters may transfer it in
   * parallel.
   */
  default StoredObject upload(String key, Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      return write(key, in);
    } catch (IOException e) {
      throw new DatastoreException(uri() + ": cannot read " + file + " to store it as " + DatastoreKeys.quote(key)
          + ": " + e, e);
    }
  }

  /**
   * Copies an object into a file: into a temporary file beside it first, renamed over {@code target} once complete
   * (and checked, where the store kept a checksum), so the target is never seen half written. Creates the target's
   * folder. Adapters may transfer it in parallel.
   *
   * @return the object, with the SHA-256 of the bytes copied
   * @throws NoSuchObjectException if there is no object under {@code key}; the target is not touched then
   */
  default StoredObject download(String key, Path target) {
    Path absolute = target.toAbsolutePath();
    Path partial = absolute.resolveSibling("." + absolute.getFileName() + ".partial-" + UUID.randomUUID());
    try (InputStream in = read(key)) {
      Files.createDirectories(absolute.getParent());
      StoredObject stored;
      try (FileChannel channel = FileChannel.open(partial, StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE)) {
        OutputStream out = Channels.newOutputStream(channel);
        Hashing hashing = new Hashing(in);
        hashing.transferTo(out);
        channel.force(true);
        stored = new StoredObject(key, hashing.size(), hashing.sha256(), null);
      }
      // Same folder: an atomic rename on every supported OS; where it is not, the copy fails rather than tearing.
      Files.move(partial, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      return stored;
    } catch (IOException e) {
      throw new DatastoreException(uri() + ": cannot copy " + DatastoreKeys.quote(key) + " to " + target + ": " + e,
          e);
    } finally {
      try {
        Files.deleteIfExists(partial);
      } catch (IOException e) {
        // left behind beside the target, named as partial
      }
    }
  }

  /** Releases the datastore's connections and threads. Idempotent. */
  @Override
  default void close() {}
}
