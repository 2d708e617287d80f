package io.pipewright;

import java.util.Objects;

/**
 * A typed handle on an output of a step: what another step passes to {@code input(name, output)} to consume it. Data
 * edges of the pipeline come from these handles. A handle is only a reference: a wrong step or output name, or a type
 * that does not match what the step produces, is reported by {@link Pipeline#validate()}.
 *
 * @param step the producing step's name
 * @param name the output's name within that step
 * @param type the type the consumer expects
 */
public record Output<T>(String step, String name, Class<T> type) {
  public Output {
    Objects.requireNonNull(step, "step");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
  }

  @Override
  public String toString() {
    return step + "." + name + " (" + type.getSimpleName() + ")";
  }
}
