package io.pipewright;

import java.util.Objects;

/**
 * One entry of a dataset's manifest.
 *
 * @param path the file's path relative to the dataset root, with {@code /} separators
 * @param size its size in bytes
 * @param sha256 the lower-case hex SHA-256 of its content
 */
public record DataFile(String path, long size, String sha256) {
  public DataFile {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(sha256, "sha256");
  }
}
