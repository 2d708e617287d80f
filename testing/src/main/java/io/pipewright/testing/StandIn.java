package io.pipewright.testing;

import io.pipewright.Pipeline;
import io.pipewright.StepBody;
import java.util.Objects;

/**
 * A body that runs in place of a step's own for one test run, such as a tiny model instead of expensive training,
 * without touching the pipeline's code. The step keeps its name, kind, inputs, outputs and parameters; the stand-in
 * must write the step's declared outputs, or the run fails the step naming the one it did not write (see
 * {@link Pipeline#withBody(String, Class)}).
 *
 * <pre>{@code
 * Run run = ws.run(Digits.pipeline(), Map.of("minAccuracy", 0.99), StandIn.replace("train", TinyModel.class));
 * }</pre>
 *
 * @param step the name of the step to replace
 * @param body the class of the stand-in body ({@code null} when {@code instance} is given)
 * @param instance the stand-in body as an instance or lambda ({@code null} when {@code body} is given)
 */
public record StandIn(String step, Class<? extends StepBody> body, StepBody instance) {
  public StandIn {
    Objects.requireNonNull(step, "step");
    if ((body == null) == (instance == null)) {
      throw new IllegalArgumentException("stand-in for step '" + step + "': give a body class or an instance, not "
          + (body == null ? "neither" : "both"));
    }
  }

  /** Replaces step {@code step}'s body with a class, instantiated for each attempt. */
  public static StandIn replace(String step, Class<? extends StepBody> body) {
    return new StandIn(step, Objects.requireNonNull(body, "body"), null);
  }

  /** Replaces step {@code step}'s body with an instance or lambda. */
  public static StandIn replace(String step, StepBody instance) {
    return new StandIn(step, null, Objects.requireNonNull(instance, "instance"));
  }

  /** {@code pipeline} with this stand-in in place: a copy, the pipeline itself is not changed. */
  public Pipeline applyTo(Pipeline pipeline) {
    return body != null ? pipeline.withBody(step, body) : pipeline.withBody(step, instance);
  }
}
