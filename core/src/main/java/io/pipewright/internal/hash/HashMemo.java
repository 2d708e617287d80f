package io.pipewright.internal.hash;

import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;

/**
 * A persistent memory of file hashes, consulted by {@link FileHasher} after its in-memory cache and before it reads a
 * file. It lets a new process (or a hasher whose cache evicted an entry) skip files it has already hashed.
 *
 * <p>Contract for implementations:
 *
 * <ul>
 *   <li><b>Exact keys.</b> {@link #load} returns an entry only for a key equal to a stored key in all four fields; a
 *       stored hash of the same path with another size, time or file id must not be returned. Returning a stale hash
 *       makes the engine reuse outputs computed from other data, so when in doubt, return nothing: a missing entry
 *       only costs a re-read.
 *   <li><b>Batches.</b> {@link FileHasher} calls {@link #load} at most once per manifest, with the keys its cache
 *       missed, and {@link #store} at most once per manifest, with the hashes it computed (never empty). Both may be
 *       large (one entry per file of a folder), so implement them with one query or transaction each, not one per
 *       key.
 *   <li><b>Values.</b> A hash is the 64-character lower-case hex SHA-256 of the file's content; give back exactly
 *       the string stored.
 *   <li><b>Replacement.</b> A store may keep only the newest key per {@link Key#path() path}, which bounds its size
 *       by the number of distinct files; it may also forget entries at any time. In SQL, for example: {@code
 *       file_hashes(path text primary key, size integer, modified_seconds integer, modified_nanos integer, file_id
 *       text, sha256 text)}, {@code insert or replace} to store, and a load that compares all four key fields.
 *   <li><b>Threads.</b> Both methods may be called concurrently from several threads.
 *   <li><b>Failures.</b> An exception thrown by either method reaches the caller of {@link FileHasher#manifest}; it
 *       is not swallowed.
 * </ul>
 *
 * <p>{@link #none()} remembers nothing; {@link InMemoryHashMemo} keeps everything in a map, for tests.
 */
public interface HashMemo {
  /** The hashes known for some of {@code keys}; keys it does not know are absent from the result. */
  Map<Key, String> load(Collection<Key> keys);

  /** Remembers {@code hashes}, replacing what is stored under equal keys (and, if it likes, under equal paths). */
  void store(Map<Key, String> hashes);

  /** A memo that remembers nothing: every file the in-memory cache does not know is read. */
  static HashMemo none() {
    return NoMemo.INSTANCE;
  }

  /**
   * What identifies one version of a file, read from its {@link java.nio.file.attribute.BasicFileAttributes} (through
   * symbolic links).
   *
   * @param path the absolute, normalised path the file was reached by (symbolic links in it are not resolved)
   * @param size the size in bytes
   * @param modified the last-modified time at the precision the file system gives (nanoseconds on Linux)
   * @param fileId the file system's identity of the file ({@code fileKey()}; device and inode on Unix, as in
   *     {@code (dev=fe00,ino=2146328)}), or {@code ""} where the platform has none (Windows). Opaque: compare it,
   *     do not parse it.
   */
  record Key(String path, long size, Instant modified, String fileId) {
    public Key {
      Objects.requireNonNull(path, "path");
      Objects.requireNonNull(modified, "modified");
      Objects.requireNonNull(fileId, "fileId");
      if (size < 0) {
        throw new IllegalArgumentException("size must be >= 0, was " + size);
      }
    }
  }
}
