package io.pipewright.examples;

import io.pipewright.Pipeline;
import io.pipewright.spi.PipelineProvider;

/** Makes {@link Digits#withScriptPrep()} available as {@code digits-script} to {@code pipewright run}. */
public final class DigitsScriptProvider implements PipelineProvider {
  @Override
  public String name() {
    return "digits-script";
  }

  @Override
  public String description() {
    return "digits with its prep step in Python (python3 on the PATH), the rest in Java";
  }

  @Override
  public Pipeline pipeline() {
    return Digits.withScriptPrep();
  }
}
