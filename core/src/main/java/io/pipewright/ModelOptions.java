package io.pipewright;

import io.pipewright.internal.registry.Names;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What to record with a model version besides its files. Immutable; each wither returns a copy.
 *
 * <pre>{@code ctx.registerModel("digits", "model", ModelOptions.defaults().framework("tribuo")
 *     .metrics(ctx.metrics("metrics").asMap()).tag("production"));}</pre>
 *
 * @param description one line; empty by default
 * @param framework what the model is for ({@code tribuo}, {@code onnx}, ...); empty means: the model's
 *     {@code framework} metadata, if it has one
 * @param metrics how good it is, by name
 * @param tags labels such as {@code production}; a tag names at most one version of a model, so tagging this version
 *     takes the tag off the version that had it
 */
public record ModelOptions(String description, String framework, Map<String, Double> metrics, Set<String> tags) {
  private static final ModelOptions DEFAULTS = new ModelOptions("", "", Map.of(), Set.of());

  public ModelOptions {
    Objects.requireNonNull(description, "description");
    Objects.requireNonNull(framework, "framework");
    metrics = Map.copyOf(metrics);
    metrics.forEach((k, v) -> {
      if (v == null || !Double.isFinite(v)) {
        throw new IllegalArgumentException("metric '" + k + "' must be a finite number, was " + v);
      }
    });
    tags = Set.copyOf(tags);
    tags.forEach(Names::checkTag);
  }

  /** No description, framework, metrics or tags. */
  public static ModelOptions defaults() {
    return DEFAULTS;
  }

  public ModelOptions description(String value) {
    return new ModelOptions(Objects.requireNonNull(value, "description"), framework, metrics, tags);
  }

  public ModelOptions framework(String value) {
    return new ModelOptions(description, Objects.requireNonNull(value, "framework"), metrics, tags);
  }

  /** Adds (or replaces) these metrics. */
  public ModelOptions metrics(Map<String, ? extends Number> values) {
    Map<String, Double> copy = new TreeMap<>(metrics);
    values.forEach((k, v) -> copy.put(k, v == null ? null : v.doubleValue()));
    return new ModelOptions(description, framework, copy, tags);
  }

  /** Adds one metric. */
  public ModelOptions metric(String name, double value) {
    return metrics(Map.of(Objects.requireNonNull(name, "metric name"), value));
  }

  /** Adds a tag. */
  public ModelOptions tag(String value) {
    Set<String> copy = new TreeSet<>(tags);
    copy.add(Objects.requireNonNull(value, "tag"));
    return new ModelOptions(description, framework, metrics, copy);
  }
}
