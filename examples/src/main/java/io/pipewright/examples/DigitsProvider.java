package io.pipewright.examples;

import io.pipewright.Pipeline;
import io.pipewright.spi.PipelineProvider;

/** Makes {@link Digits} available as {@code digits} to {@code pipewright run} and other tools. */
public final class DigitsProvider implements PipelineProvider {
  @Override
  public String name() {
    return "digits";
  }

  @Override
  public String description() {
    return "handwritten digits: stratified split, logistic regression (Tribuo), evaluation, release";
  }

  @Override
  public Pipeline pipeline() {
    return Digits.pipeline();
  }
}
