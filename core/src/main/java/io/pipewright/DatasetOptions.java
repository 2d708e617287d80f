package io.pipewright;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What to record with a dataset version besides its files. Immutable; each wither returns a copy.
 *
 * <pre>{@code ws.datasets().register("digits", Path.of("digits.csv.gz"),
 *     DatasetOptions.defaults().description("UCI optdigits").tag("source", "uci"));}</pre>
 *
 * @param description one line saying what the data is; empty by default
 * @param tags free key-value labels, sorted by key
 */
public record DatasetOptions(String description, Map<String, String> tags) {
  private static final DatasetOptions DEFAULTS = new DatasetOptions("", Map.of());

  public DatasetOptions {
    Objects.requireNonNull(description, "description");
    tags = Map.copyOf(tags);
    tags.forEach((k, v) -> {
      if (k.isBlank()) {
        throw new IllegalArgumentException("tag keys must not be blank");
      }
      Objects.requireNonNull(v, "value of tag '" + k + "'");
    });
  }

  /** No description, no tags. */
  public static DatasetOptions defaults() {
    return DEFAULTS;
  }

  public DatasetOptions description(String value) {
    return new DatasetOptions(Objects.requireNonNull(value, "description"), tags);
  }

  /** Adds (or replaces) one tag. */
  public DatasetOptions tag(String key, String value) {
    Map<String, String> copy = new TreeMap<>(tags);
    copy.put(Objects.requireNonNull(key, "tag key"), Objects.requireNonNull(value, "tag value"));
    return new DatasetOptions(description, copy);
  }
}
