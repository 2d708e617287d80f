package io.pipewright.internal.store;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One version of a registered dataset or model, as the run store keeps it. The files are in the object store under
 * {@code contentHash}; everything else a kind needs (tags of a dataset, framework and metrics of a model, where it came
 * from) is in {@code properties}, so both kinds share one table.
 *
 * @param kind {@link #DATASET} or {@link #MODEL}
 * @param version 1, 2, ...; 0 for a registration not yet recorded
 * @param properties small JSON-friendly values
 * @param runId the run that registered it, or {@code null}
 * @param step the step of that run, or {@code null}
 * @param tags labels unique per kind and name (models' {@code production}), moved by tagging another version
 */
public record Registration(String kind, String name, long version, String contentHash, String description,
    Map<String, Object> properties, String runId, String step, Instant createdAt, Set<String> tags) {
  public static final String DATASET = "dataset";
  public static final String MODEL = "model";

  public Registration {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(contentHash, "contentHash");
    Objects.requireNonNull(createdAt, "createdAt");
    properties = Map.copyOf(properties);
    tags = Set.copyOf(tags);
  }

  public Registration withVersion(long value, Set<String> newTags) {
    return new Registration(kind, name, value, contentHash, description, properties, runId, step, createdAt, newTags);
  }
}
