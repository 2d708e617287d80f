package io.pipewright;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A trained model: a folder of files the training step wrote, plus metadata it declared (framework, feature names,
 * anything small and JSON-friendly).
 *
 * @param dir the folder holding the model's files
 * @param files the manifest of those files, sorted by path
 * @param metadata what the producing step declared with {@link StepContext#modelMetadata}
 */
public record Model(Path dir, List<DataFile> files, Map<String, Object> metadata) {
  public Model {
    Objects.requireNonNull(dir, "dir");
    files = List.copyOf(files);
    metadata = Map.copyOf(metadata);
  }

  /** The absolute path of one of the model's files. */
  public Path file(String relativePath) {
    return new Dataset(dir, files).file(relativePath);
  }
}
