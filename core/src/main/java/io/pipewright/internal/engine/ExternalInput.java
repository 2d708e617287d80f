package io.pipewright.internal.engine;

import io.pipewright.Dataset;
import java.nio.file.Path;
import java.util.Map;

/**
 * A file or folder outside the workspace that a step reads in place, read once per run: its manifest, and its content
 * hash, computed as for a stored Dataset so that the same files give the same hash wherever they come from.
 */
record ExternalInput(Path path, Dataset dataset, String contentHash) {
  /** @throws java.io.UncheckedIOException naming the file that cannot be read */
  static ExternalInput read(OutputStore store, Path path) {
    Dataset dataset = store.external(path);
    return new ExternalInput(path, dataset, OutputStore.contentHash(Dataset.class, dataset.files(), Map.of()));
  }
}
