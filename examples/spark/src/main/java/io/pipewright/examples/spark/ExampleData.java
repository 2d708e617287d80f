package io.pipewright.examples.spark;

import io.pipewright.UserException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The data files shipped with this module, as real files (a step input must be a file): each resource is copied once
 * to {@code <java.io.tmpdir>/pipewright-examples-<user>/<sha256>/<name>}, written under a temporary name and renamed.
 */
final class ExampleData {
  private ExampleData() {}

  static Path file(String resource) {
    byte[] content;
    try (InputStream in = ExampleData.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("no resource " + resource + " next to " + ExampleData.class.getName());
      }
      content = in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the resource " + resource, e);
    }
    String user = System.getProperty("user.name", "user").replaceAll("[^A-Za-z0-9._-]", "_");
    Path file = Path.of(System.getProperty("java.io.tmpdir"), "pipewright-examples-" + user, sha256(content),
        Path.of(resource).getFileName().toString());
    try {
      if (Files.isRegularFile(file) && sha256(Files.readAllBytes(file)).equals(file.getParent().getFileName()
          .toString())) {
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

  private static String sha256(byte[] content) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
