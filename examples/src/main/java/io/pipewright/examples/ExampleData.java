package io.pipewright.examples;

import io.pipewright.UserException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The data files shipped with the examples, as real files.
 *
 * <p>The data travels as classpath resources, so that the examples jar is all a user needs, wherever they run it
 * from. A step input must be a file, though: the engine reads and hashes it. So each resource is copied once to
 * {@code <java.io.tmpdir>/pipewright-examples-<user>/<sha256>/<name>}: the folder is named by the content's hash, so a
 * file found there is the right one, and it is written under a temporary name and then renamed, so that a concurrent
 * or interrupted copy never leaves a partial file under the final name. The copy is made whether the resource lies in
 * a jar or in {@code target/classes}, so that tests take the path users take, and the input (its name, size and hash)
 * is the same either way.
 */
final class ExampleData {
  private ExampleData() {}

  /**
   * The resource, named relative to this package, as a file.
   *
   * @throws UserException if it cannot be written under the temporary folder
   */
  static Path file(String resource) {
    String user = System.getProperty("user.name", "user").replaceAll("[^A-Za-z0-9._-]", "_");
    return file(resource, Path.of(System.getProperty("java.io.tmpdir"), "pipewright-examples-" + user));
  }

  /** The resource as a file under {@code cacheRoot}. */
  static Path file(String resource, Path cacheRoot) {
    byte[] content = read(resource);
    String hash = sha256(content);
    Path file = cacheRoot.resolve(hash).resolve(Path.of(resource).getFileName().toString());
    try {
      // Re-hashing the kilobytes of an example file is cheaper than any doubt about what lies there.
      if (Files.isRegularFile(file) && hash.equals(sha256(Files.readAllBytes(file)))) {
        return file;
      }
      Files.createDirectories(file.getParent());
      Path partial = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".partial");
      try {
        Files.write(partial, content);
        Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } finally {
        Files.deleteIfExists(partial);
      }
      return file;
    } catch (IOException e) {
      throw new UserException("cannot copy the example data " + resource + " to " + file + ": " + e
          + " -- set java.io.tmpdir to a writable folder", e);
    }
  }

  /**
   * Resources of one folder, named relative to this package, as the files of one folder: a script step's source
   * folder. The folder is named by the hash of them all, and each file is written as {@link #file(String)} writes one.
   */
  static Path folder(String resourceFolder, String... names) {
    String user = System.getProperty("user.name", "user").replaceAll("[^A-Za-z0-9._-]", "_");
    Path cacheRoot = Path.of(System.getProperty("java.io.tmpdir"), "pipewright-examples-" + user);
    StringBuilder all = new StringBuilder();
    for (String name : names) {
      all.append(name).append('\0').append(sha256(read(resourceFolder + "/" + name))).append('\n');
    }
    Path folder = cacheRoot.resolve(sha256(all.toString().getBytes(StandardCharsets.UTF_8)))
        .resolve(Path.of(resourceFolder).getFileName().toString());
    for (String name : names) {
      byte[] content = read(resourceFolder + "/" + name);
      Path target = folder.resolve(name);
      try {
        if (Files.isRegularFile(target) && Arrays.equals(content, Files.readAllBytes(target))) {
          continue;
        }
        Files.createDirectories(folder);
        Path partial = Files.createTempFile(cacheRoot, name, ".partial"); // outside the folder: never part of it
        try {
          Files.write(partial, content);
          Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
          Files.deleteIfExists(partial);
        }
      } catch (IOException e) {
        throw new UserException("cannot copy the example files of " + resourceFolder + " to " + folder + ": " + e
            + " -- set java.io.tmpdir to a writable folder", e);
      }
    }
    return folder;
  }

  private static byte[] read(String resource) {
    try (InputStream in = ExampleData.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("the example data " + resource + " is missing from the classpath: the"
            + " examples jar is incomplete");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the example data " + resource + ": " + e, e);
    }
  }

  private static String sha256(byte[] content) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no SHA-256", e);
    }
  }
}
