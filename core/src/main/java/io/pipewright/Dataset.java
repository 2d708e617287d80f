package io.pipewright;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * A set of files under a root folder, with a manifest of their names, sizes and hashes. The type of data that flows
 * between steps: a step writes files into its output folder and the engine records the manifest; the consumer reads
 * them from {@link #root()}.
 *
 * @param root the folder the manifest's paths are relative to
 * @param files the manifest, sorted by path
 */
public record Dataset(Path root, List<DataFile> files) {
  public Dataset {
    Objects.requireNonNull(root, "root");
    files = List.copyOf(files);
  }

  /** The absolute path of one file of the manifest. */
  public Path file(String relativePath) {
    for (DataFile f : files) {
      if (f.path().equals(relativePath)) {
        return root.resolve(relativePath);
      }
    }
    throw new IllegalArgumentException("dataset at " + root + " has no file '" + relativePath + "' (files: "
        + String.join(", ", files.stream().map(DataFile::path).limit(10).toList())
        + (files.size() > 10 ? ", ..." : "") + ")");
  }

  /** The path of the only file of a single-file dataset. */
  public Path singleFile() {
    if (files.size() != 1) {
      throw new IllegalStateException("dataset at " + root + " has " + files.size() + " files, not exactly one");
    }
    return root.resolve(files.get(0).path());
  }

  /** Total size of the files in bytes. */
  public long size() {
    return files.stream().mapToLong(DataFile::size).sum();
  }

  /**
   * The SHA-256 of the manifest (each file's path, size and hash), as {@code sha256:<hex>}: equal for equal content,
   * wherever the files lie.
   */
  public String manifestHash() {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      for (DataFile f : files) {
        digest.update((f.path() + '\t' + f.size() + '\t' + f.sha256() + '\n').getBytes(StandardCharsets.UTF_8));
      }
      return "sha256:" + HexFormat.of().formatHex(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
