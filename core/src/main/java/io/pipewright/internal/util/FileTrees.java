package io.pipewright.internal.util;

import io.pipewright.DataFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/** Hashing and removing folders of files. */
public final class FileTrees {
  private static final int BUFFER = 1 << 16;

  private FileTrees() {}

  /**
   * The manifest of a file or folder: each regular file with its path relative to {@code root} ('/' separators), size
   * and SHA-256, sorted by path. For a single file, {@code root} is its parent.
   */
  public static List<DataFile> manifest(Path root, Path fileOrFolder) throws IOException {
    List<Path> files = new ArrayList<>();
    if (Files.isRegularFile(fileOrFolder)) {
      files.add(fileOrFolder);
    } else {
      try (Stream<Path> walk = Files.walk(fileOrFolder)) {
        walk.filter(Files::isRegularFile).forEach(files::add);
      }
    }
    List<DataFile> manifest = new ArrayList<>(files.size());
    for (Path file : files) {
      String relative = root.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
      manifest.add(new DataFile(relative, Files.size(file), sha256(file)));
    }
    manifest.sort(Comparator.comparing(DataFile::path));
    return manifest;
  }

  public static String sha256(Path file) throws IOException {
    MessageDigest digest = newSha256();
    byte[] buffer = new byte[BUFFER];
    try (InputStream in = Files.newInputStream(file)) {
      for (int n; (n = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  public static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no SHA-256", e);
    }
  }

  /** Deletes a file or folder tree; missing is fine. */
  public static void deleteRecursively(Path path) {
    if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try {
      Files.walkFileTree(path, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          Files.deleteIfExists(file);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
          if (e instanceof NoSuchFileException) {
            return FileVisitResult.CONTINUE;
          }
          throw e;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
          try {
            Files.deleteIfExists(dir);
          } catch (DirectoryNotEmptyException raced) {
            // A step that ignored its interrupt is still writing here; leave what it writes.
          }
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException("could not delete " + path, e);
    }
  }
}
