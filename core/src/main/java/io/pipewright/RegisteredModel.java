package io.pipewright;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One version of a model registered in a workspace: its files, stored by content in the workspace's object store,
 * and what was said about it.
 *
 * @param version 1 for the first version of the name, then 2, 3, ...
 * @param contentHash {@code sha256:<hex>} of the model's content (files and metadata), as for any Model output
 * @param framework {@code tribuo}, {@code onnx}, ... or empty
 * @param metrics as registered
 * @param tags the labels on this version (unique per model name: {@code production} is on one version at most)
 * @param runId the run whose step registered it, or {@code null} when registered from code
 * @param step that step, or {@code null}
 * @param model the stored files and metadata; read them, never write them
 */
public record RegisteredModel(String name, int version, String contentHash, String framework,
    Map<String, Double> metrics, Set<String> tags, String description, String runId, String step, Instant createdAt,
    Model model) {
  public RegisteredModel {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(contentHash, "contentHash");
    metrics = Map.copyOf(metrics);
    tags = Set.copyOf(tags);
    Objects.requireNonNull(model, "model");
  }

  /** {@code name:version}. */
  public String reference() {
    return name + ":" + version;
  }

  /** The local folder holding the model's files. */
  public Path dir() {
    return model.dir();
  }

  @Override
  public String toString() {
    return "model " + reference() + (framework.isEmpty() ? "" : " (" + framework + ")") + (tags.isEmpty() ? ""
        : " " + new java.util.TreeSet<>(tags)) + " " + metrics;
  }
}
