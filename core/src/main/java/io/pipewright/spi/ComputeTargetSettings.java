package io.pipewright.spi;

import io.pipewright.Resources;
import io.pipewright.UserException;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The settings of one compute target, as its config entry gives them ({@code "targets": {"etl": {"type": "local",
 * "threads": 4}}}), with typed getters whose errors are one line naming the key path:
 * {@code targets.etl.threads: expected a number, got "four"}. Values are what JSON holds: {@code String}, {@code
 * Number}, {@code Boolean}, {@code List} and {@code Map}.
 *
 * <p>Values of keys that look secret (containing {@code password}, {@code secret}, {@code token}, {@code key} or
 * {@code credential}) never appear in messages, nor in {@link #toString()}. Immutable and thread-safe.
 */
public final class ComputeTargetSettings {
  private final String name;
  private final String type;
  private final Map<String, Object> values;

  /**
   * @param name the target's logical name, as steps use it ({@code .on("etl")})
   * @param type its type, as in config
   * @param values its settings, {@code type} excluded
   */
  public ComputeTargetSettings(String name, String type, Map<String, ?> values) {
    this.name = Objects.requireNonNull(name, "name");
    this.type = Objects.requireNonNull(type, "type");
    this.values = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(values, "values")));
  }

  /** Settings with nothing but the name and type: every default. */
  public static ComputeTargetSettings defaults(String name, String type) {
    return new ComputeTargetSettings(name, type, Map.of());
  }

  /** The logical name. */
  public String name() {
    return name;
  }

  /** The type, as in config. */
  public String type() {
    return type;
  }

  /** Every setting, as given. */
  public Map<String, Object> values() {
    return values;
  }

  /** These settings with {@code key} set to {@code value}. */
  public ComputeTargetSettings with(String key, Object value) {
    Map<String, Object> copy = new LinkedHashMap<>(values);
    copy.put(key, value);
    return new ComputeTargetSettings(name, type, copy);
  }

  /** {@code targets.NAME.KEY}, as messages name a setting. */
  public String path(String key) {
    return "targets." + name + "." + key;
  }

  /**
   * Refuses any setting but these: {@code targets.etl.thread: unknown setting for a local target (known: cpus,
   * threads)}.
   */
  public ComputeTargetSettings only(String... known) {
    Set<String> allowed = new TreeSet<>(Arrays.asList(known));
    for (String key : values.keySet()) {
      if (!allowed.contains(key)) {
        throw new UserException(path(key) + ": unknown setting for a " + type + " target (known: "
            + (allowed.isEmpty() ? "none" : String.join(", ", allowed)) + ")");
      }
    }
    return this;
  }

  /** Whether the setting is given. */
  public boolean has(String key) {
    return values.containsKey(key);
  }

  /** A text setting, or {@code fallback} when absent. */
  public String string(String key, String fallback) {
    return optionalString(key).orElse(fallback);
  }

  /** A text setting, if given. */
  public Optional<String> optionalString(String key) {
    Object value = values.get(key);
    if (value == null) {
      return Optional.empty();
    }
    if (!(value instanceof String s)) {
      throw wrongType(key, "a string", value);
    }
    return Optional.of(s);
  }

  /** A whole number at least {@code min}, or {@code fallback} when absent. */
  public int integer(String key, int fallback, int min) {
    Object value = values.get(key);
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof Number n) || !isWhole(n) || n.longValue() > Integer.MAX_VALUE
        || n.longValue() < Integer.MIN_VALUE) {
      throw wrongType(key, value instanceof Number ? "a whole number" : "a number", value);
    }
    int i = n.intValue();
    if (i < min) {
      throw new UserException(path(key) + ": must be >= " + min + ", was " + i);
    }
    return i;
  }

  /** A true/false setting, or {@code fallback} when absent. */
  public boolean bool(String key, boolean fallback) {
    Object value = values.get(key);
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof Boolean b)) {
      throw wrongType(key, "true or false", value);
    }
    return b;
  }

  /**
   * A size in bytes, given as a number of bytes or as text such as {@code "512m"} or {@code "8g"} (see {@link
   * Resources#parseSize}), or {@code fallback} when absent.
   */
  public long size(String key, long fallback) {
    Object value = values.get(key);
    if (value == null) {
      return fallback;
    }
    if (value instanceof Number n && isWhole(n) && n.longValue() >= 0) {
      return n.longValue();
    }
    if (value instanceof String s) {
      try {
        return Resources.parseSize(s);
      } catch (IllegalArgumentException e) {
        throw wrongType(key, "a size such as \"512m\" or \"8g\"", value);
      }
    }
    throw wrongType(key, "a size such as \"512m\" or \"8g\"", value);
  }

  /** A list of strings, or an empty list when absent. */
  public List<String> strings(String key) {
    Object value = values.get(key);
    if (value == null) {
      return List.of();
    }
    if (!(value instanceof List<?> list) || !list.stream().allMatch(String.class::isInstance)) {
      throw wrongType(key, "a list of strings", value);
    }
    return list.stream().map(String.class::cast).toList();
  }

  /** An object of strings (such as environment variables), sorted by key, or an empty map when absent. */
  public java.util.SortedMap<String, String> stringMap(String key) {
    Object value = values.get(key);
    if (value == null) {
      return java.util.Collections.emptySortedMap();
    }
    if (!(value instanceof Map<?, ?> map) || !map.values().stream().allMatch(String.class::isInstance)) {
      throw wrongType(key, "an object of strings", value);
    }
    java.util.TreeMap<String, String> out = new java.util.TreeMap<>();
    map.forEach((k, v) -> out.put(String.valueOf(k), (String) v));
    return java.util.Collections.unmodifiableSortedMap(out);
  }

  /**
   * Environment variables for what the target starts: {@link #stringMap} with names checked ({@code [A-Za-z_][A-Za-z0-9_]*}).
   */
  public java.util.SortedMap<String, String> environment(String key) {
    java.util.SortedMap<String, String> env = stringMap(key);
    for (String name : env.keySet()) {
      if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
        throw new UserException(path(key) + ": '" + name + "' is not a valid environment variable name");
      }
    }
    return env;
  }

  /** The error for a value of the wrong type, naming the key path and, unless the key looks secret, the value. */
  public UserException wrongType(String key, String expected, Object value) {
    return new UserException(path(key) + ": expected " + expected + ", got " + describe(key, value));
  }

  /** Whether a key's value must be kept out of messages and logs. */
  public static boolean secret(String key) {
    String k = key.toLowerCase(Locale.ROOT);
    return k.contains("password") || k.contains("secret") || k.contains("token") || k.contains("key")
        || k.contains("credential");
  }

  /** A value as a message shows it: JSON-like and short, or only its kind for a secret-looking key. */
  static String describe(String key, Object value) {
    String kind = value == null ? "null" : value instanceof String ? "a string" : value instanceof Boolean
        ? "a boolean" : value instanceof Number ? "a number" : value instanceof List ? "a list" : "an object";
    if (secret(key) || value instanceof List || value instanceof Map) {
      return kind;
    }
    String shown = value instanceof String s ? "\"" + s + "\"" : String.valueOf(value);
    return shown.length() > 60 || shown.indexOf('\n') >= 0 ? kind : shown;
  }

  private static boolean isWhole(Number n) {
    return n instanceof Integer || n instanceof Long || n instanceof Short || n instanceof Byte
        || n instanceof java.math.BigInteger && ((java.math.BigInteger) n).bitLength() < 64
        || (n instanceof Double || n instanceof Float || n instanceof java.math.BigDecimal)
            && n.doubleValue() == Math.rint(n.doubleValue()) && !Double.isInfinite(n.doubleValue());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ComputeTargetSettings other && name.equals(other.name) && type.equals(other.type)
        && values.equals(other.values);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, type, values);
  }

  /** The name, type and keys; values only of keys that do not look secret. */
  @Override
  public String toString() {
    StringBuilder out = new StringBuilder("targets.").append(name).append(" {type=").append(type);
    values.forEach((k, v) -> out.append(", ").append(k).append('=').append(secret(k) ? "***" : describe(k, v)));
    return out.append('}').toString();
  }
}
