package io.pipewright;

import java.util.Locale;

/** The type of a pipeline parameter. Values given on the command line are parsed from text by the type. */
public enum ParameterType {
  INTEGER("an integer"),
  DOUBLE("a number"),
  STRING("a string"),
  BOOLEAN("true or false"),
  /**
   * A registered dataset: {@code NAME} (its latest version when the run is submitted) or {@code NAME:VERSION}. The run
   * records the version it resolved to ({@code digits:2}), so it can be repeated; see
   * {@link Pipeline#datasetParameter(String)}.
   */
  DATASET("a dataset (NAME or NAME:VERSION)");

  private static final java.util.regex.Pattern DATASET_REFERENCE =
      java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*(:[1-9][0-9]{0,8})?");

  private final String expected;

  ParameterType(String expected) {
    this.expected = expected;
  }

  /**
   * The type of a default value: Integer/Long are INTEGER, Float/Double DOUBLE, String, Boolean. A DATASET parameter
   * is declared with its type: {@code parameter("data", ParameterType.DATASET)}.
   */
  public static ParameterType of(Object value) {
    if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
      return INTEGER;
    }
    if (value instanceof Double || value instanceof Float) {
      return DOUBLE;
    }
    if (value instanceof String) {
      return STRING;
    }
    if (value instanceof Boolean) {
      return BOOLEAN;
    }
    throw new IllegalArgumentException("parameter values must be an integer, a number, a string or a boolean, was "
        + (value == null ? "null" : value.getClass().getSimpleName() + " " + value));
  }

  /**
   * Converts a given value to this type's canonical Java type (Long, Double, String, Boolean). Text is parsed, so
   * {@code "30"} is a valid INTEGER.
   *
   * @throws IllegalArgumentException naming what was expected and what was given
   */
  public Object coerce(Object value) {
    if (value == null) {
      throw mismatch("null");
    }
    if (this == DATASET && value instanceof RegisteredDataset dataset) {
      return dataset.reference();
    }
    if (value instanceof String text) {
      return parse(text);
    }
    switch (this) {
      case INTEGER -> {
        if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
          return ((Number) value).longValue();
        }
      }
      case DOUBLE -> {
        if (value instanceof Number number) {
          return number.doubleValue();
        }
      }
      case BOOLEAN -> {
        if (value instanceof Boolean) {
          return value;
        }
      }
      case STRING -> {
        return value.toString();
      }
      case DATASET -> {
        // only text and registered datasets, above
      }
    }
    throw mismatch(value.toString());
  }

  private Object parse(String text) {
    String s = text.trim();
    try {
      return switch (this) {
        case INTEGER -> Long.parseLong(s);
        case DOUBLE -> {
          double d = Double.parseDouble(s);
          if (Double.isNaN(d) || Double.isInfinite(d)) {
            throw new NumberFormatException();
          }
          yield d;
        }
        case BOOLEAN -> switch (s.toLowerCase(Locale.ROOT)) {
          case "true" -> Boolean.TRUE;
          case "false" -> Boolean.FALSE;
          default -> throw new NumberFormatException();
        };
        case STRING -> text;
        case DATASET -> {
          if (!DATASET_REFERENCE.matcher(s).matches()) {
            throw new NumberFormatException();
          }
          yield s;
        }
      };
    } catch (NumberFormatException e) {
      throw mismatch("'" + text + "'");
    }
  }

  private IllegalArgumentException mismatch(String given) {
    return new IllegalArgumentException("expected " + expected + ", got " + given);
  }

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
