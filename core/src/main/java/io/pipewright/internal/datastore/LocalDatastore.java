package io.pipewright.internal.datastore;

import io.pipewright.UserException;
import io.pipewright.spi.Datastore;
import io.pipewright.spi.DatastoreException;
import io.pipewright.spi.DatastoreKeys;
import io.pipewright.spi.NoSuchObjectException;
import io.pipewright.spi.StoredObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * A folder as a datastore: key {@code a/b/c} is the file {@code ROOT/a/b/c}. A write streams into a partial file in
 * the key's folder ({@code .pipewright-partial-UUID}), flushes it to the disk, renames it over the key atomically and
 * flushes the folder, so a reader sees the old file or the new one, never a torn one, even after a crash. Partial
 * files that a crash left behind are never listed and never read. Symbolic links below the root are not followed
 * out of it: a key that passes through one is refused.
 */
final class LocalDatastore implements Datastore {
  static final String PARTIAL = DatastoreKeys.RESERVED + "-partial-";
  private static final int BUFFER = 64 * 1024;

  private final Path root;
  private final URI uri;

  LocalDatastore(Path root) {
    this.root = root;
    String folder = root.toUri().toString(); // ends with '/' only if the folder exists already
    this.uri = URI.create(folder.endsWith("/") ? folder : folder + "/");
  }

  @Override
  public URI uri() {
    return uri;
  }

  /** The file of a checked key; refuses one that would pass through a symbolic link below the root. */
  private Path file(String key) {
    Path file = root.resolve(key).normalize();
    if (!file.startsWith(root) || file.equals(root)) {
      throw new UserException(uri + ": invalid datastore key " + DatastoreKeys.quote(key)
          + ": it would leave the datastore's root");
    }
    Path at = root;
    for (Path segment : root.relativize(file)) {
      at = at.resolve(segment);
      if (Files.isSymbolicLink(at)) {
        throw new UserException(uri + ": invalid datastore key " + DatastoreKeys.quote(key) + ": " + root.relativize(at)
            + " is a symbolic link, which could lead out of the datastore's root");
      }
    }
    return file;
  }

  @Override
  public StoredObject write(String key, InputStream content) {
    Path file = file(key);
    Path partial = null;
    try {
      Files.createDirectories(file.getParent());
      if (Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
        throw new UserException(uri + ": cannot write " + DatastoreKeys.quote(key)
            + ": it is a folder of other objects here -- a key cannot also be a prefix in a local folder");
      }
      partial = file.resolveSibling(PARTIAL + UUID.randomUUID());
      MessageDigest sha256 = sha256();
      long size;
      try (FileChannel channel = FileChannel.open(partial, StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE)) {
        OutputStream out = new DigestOutputStream(Channels.newOutputStream(channel), sha256);
        size = content.transferTo(out);
        out.flush();
        channel.force(true);
      }
      Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      partial = null;
      fsyncFolder(file.getParent());
      return new StoredObject(key, size, HexFormat.of().formatHex(sha256.digest()), null);
    } catch (FileAlreadyExistsException | NotDirectoryException e) {
      throw new UserException(uri + ": cannot write " + DatastoreKeys.quote(key) + ": a part of its path is an object "
          + "here -- a key cannot also be a prefix in a local folder", e);
    } catch (IOException e) {
      throw new DatastoreException(uri + ": cannot write " + DatastoreKeys.quote(key) + ": " + e, e);
    } finally {
      if (partial != null) {
        try {
          Files.deleteIfExists(partial);
        } catch (IOException e) {
          // left as a partial file: never listed, never read
        }
      }
    }
  }

  @Override
  public InputStream read(String key) {
    Path file = file(key);
    try {
      if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
        throw new NoSuchObjectException(uri.toString(), key);
      }
      return Files.newInputStream(file);
    } catch (NoSuchFileException e) {
      throw new NoSuchObjectException(uri.toString(), key);
    } catch (IOException e) {
      throw new DatastoreException(uri + ": cannot read " + DatastoreKeys.quote(key) + ": " + e, e);
    }
  }

  @Override
  public List<String> list(String prefix) {
    Path folder = prefix.isEmpty() ? root : file(prefix);
    if (!Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) {
      return List.of();
    }
    List<String> keys = new ArrayList<>();
    try {
      // Does not follow symbolic links; what is removed during the walk is simply not listed.
      Files.walkFileTree(folder, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path path, BasicFileAttributes attributes) {
          if (attributes.isRegularFile()) {
            String key = root.relativize(path).toString().replace(path.getFileSystem().getSeparator(), "/");
            if (DatastoreKeys.isValid(key)) {
              keys.add(key);
            }
          }
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path path, IOException e) throws IOException {
          if (e instanceof NoSuchFileException) {
            return FileVisitResult.CONTINUE;
          }
          throw e;
        }
      });
    } catch (IOException e) {
      throw new DatastoreException(uri + ": cannot list " + DatastoreKeys.quote(prefix) + ": " + e, e);
    }
    keys.sort(null);
    return keys;
  }

  @Override
  public Optional<StoredObject> info(String key) {
    try {
      BasicFileAttributes attributes = Files.readAttributes(file(key), BasicFileAttributes.class,
          LinkOption.NOFOLLOW_LINKS);
      if (!attributes.isRegularFile()) {
        return Optional.empty();
      }
      return Optional.of(new StoredObject(key, attributes.size(), null, attributes.lastModifiedTime().toInstant()));
    } catch (NoSuchFileException | NotDirectoryException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new DatastoreException(uri + ": cannot read " + DatastoreKeys.quote(key) + ": " + e, e);
    }
  }

  @Override
  public boolean delete(String key) {
    Path file = file(key);
    try {
      if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
        return false;
      }
      boolean deleted = Files.deleteIfExists(file);
      fsyncFolder(file.getParent());
      return deleted;
    } catch (NoSuchFileException | NotDirectoryException e) {
      return false;
    } catch (IOException e) {
      throw new DatastoreException(uri + ": cannot delete " + DatastoreKeys.quote(key) + ": " + e, e);
    }
  }

  @Override
  public String toString() {
    return "LocalDatastore[" + uri + "]";
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  /** Flushes a folder's entries to the disk; not every OS can, which is tolerated. */
  private static void fsyncFolder(Path folder) {
    try (FileChannel channel = FileChannel.open(folder, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException e) {
      // folders cannot be opened for flushing on Windows
    }
  }
}
