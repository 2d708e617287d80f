package io.pipewright.internal.engine;

import com.fasterxml.jackson.databind.JsonNode;
import io.pipewright.Dataset;
import io.pipewright.Metrics;
import io.pipewright.Model;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The types an output may have, and how each is stored. */
public final class OutputTypes {
  private static final Set<Class<?>> VALUE_TYPES = Set.of(String.class, Integer.class, Long.class, Double.class,
      Boolean.class, List.class, Map.class, JsonNode.class);

  static final String SUPPORTED =
      "Dataset, Model, Metrics, String, Integer, Long, Double, Boolean, List, Map, JsonNode";

  private OutputTypes() {}

  /** The type of a stored output from the simple name its manifest records, or null for an unknown name. */
  static Class<?> named(String simpleName) {
    for (Class<?> type : List.of(Dataset.class, Model.class, Metrics.class, String.class, Integer.class, Long.class,
        Double.class, Boolean.class, List.class, Map.class, JsonNode.class)) {
      if (type.getSimpleName().equals(simpleName)) {
        return type;
      }
    }
    return null;
  }

  public static boolean supported(Class<?> type) {
    return isFiles(type) || type == Metrics.class || isValue(type);
  }

  /** Dataset and Model outputs are folders of files the step writes. */
  public static boolean isFiles(Class<?> type) {
    return type == Dataset.class || type == Model.class;
  }

  public static boolean isValue(Class<?> type) {
    return VALUE_TYPES.contains(type);
  }

  /** Whether a consumer expecting {@code expected} can take an output declared as {@code produced}. */
  static boolean compatible(Class<?> expected, Class<?> produced) {
    if (expected == Object.class) {
      return true;
    }
    if (expected == produced || expected == JsonNode.class && isValue(produced)) {
      return true;
    }
    boolean widening = expected == Long.class && produced == Integer.class
        || expected == Double.class && (produced == Integer.class || produced == Long.class);
    return widening;
  }
}
