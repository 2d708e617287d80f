package io.pipewright;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * One version of a dataset registered in a workspace: an immutable copy of its files in the workspace's object store,
 * under the hash of its content.
 *
 * @param version 1 for the first version of the name, then 2, 3, ...
 * @param contentHash {@code sha256:<hex>} over the manifest, as for any Dataset output: what a step's fingerprint
 *     records for an input bound to this version
 * @param source where the files came from when registered: a path, a glob or a URL (without credentials or query)
 * @param dataset the stored files; read them, never write them
 */
public record RegisteredDataset(String name, int version, String contentHash, String description,
    Map<String, String> tags, String source, Instant createdAt, Dataset dataset) {
  public RegisteredDataset {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(contentHash, "contentHash");
    tags = Map.copyOf(tags);
    Objects.requireNonNull(dataset, "dataset");
  }

  /** {@code name:version}, as a dataset parameter and the command line take it. */
  public String reference() {
    return name + ":" + version;
  }

  /** The folder holding the files. */
  public Path root() {
    return dataset.root();
  }

  @Override
  public String toString() {
    return "dataset " + reference() + " (" + dataset.files().size() + (dataset.files().size() == 1 ? " file, "
        : " files, ") + dataset.size() + " bytes, " + contentHash.substring(0, Math.min(19, contentHash.length()))
        + ")";
  }
}
