package io.pipewright;

import java.util.Objects;

/**
 * A typed pipeline parameter. Runs override its default; a parameter without a default must be given on every run.
 *
 * @param defaultValue the canonical default (Long, Double, String or Boolean), or {@code null} if required
 */
public record Parameter(String name, ParameterType type, Object defaultValue) {
  public Parameter {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
  }

  public boolean required() {
    return defaultValue == null;
  }
}
