package io.pipewright;

import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Named numbers a step measured, such as {@code accuracy}. Immutable, sorted by name. A step produces Metrics as an
 * output, or reports them one at a time with {@link StepContext#metric}.
 */
public final class Metrics {
  private final Map<String, Double> values;

  private Metrics(Map<String, Double> values) {
    this.values = values;
  }

  /** Metrics from a map of names to numbers; names must be non-empty and values finite. */
  public static Metrics of(Map<String, ? extends Number> values) {
    TreeMap<String, Double> copy = new TreeMap<>();
    values.forEach((name, value) -> {
      if (name == null || name.isBlank()) {
        throw new IllegalArgumentException("metric names must not be empty");
      }
      if (value == null || !Double.isFinite(value.doubleValue())) {
        throw new IllegalArgumentException("metric '" + name + "' must be a finite number, was " + value);
      }
      copy.put(name, value.doubleValue());
    });
    return new Metrics(Collections.unmodifiableMap(copy));
  }

  /** Metrics from alternating names and numbers: {@code Metrics.of("accuracy", 0.95, "f1", 0.94)}. */
  public static Metrics of(Object... namesAndValues) {
    if (namesAndValues.length % 2 != 0) {
      throw new IllegalArgumentException("Metrics.of takes names and values in pairs, got "
          + namesAndValues.length + " arguments");
    }
    TreeMap<String, Number> map = new TreeMap<>();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      if (!(namesAndValues[i] instanceof String name) || !(namesAndValues[i + 1] instanceof Number value)) {
        throw new IllegalArgumentException("Metrics.of expects (String, Number) pairs, got "
            + namesAndValues[i] + ", " + namesAndValues[i + 1]);
      }
      map.put(name, value);
    }
    return of(map);
  }

  /** The value of one metric. */
  public double get(String name) {
    Double value = values.get(name);
    if (value == null) {
      throw new IllegalArgumentException("no metric '" + name + "' (have: " + String.join(", ", values.keySet())
          + ")");
    }
    return value;
  }

  public boolean has(String name) {
    return values.containsKey(name);
  }

  public Set<String> names() {
    return values.keySet();
  }

  public Map<String, Double> asMap() {
    return values;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Metrics other && values.equals(other.values);
  }

  @Override
  public int hashCode() {
    return values.hashCode();
  }

  @Override
  public String toString() {
    return values.toString();
  }
}
