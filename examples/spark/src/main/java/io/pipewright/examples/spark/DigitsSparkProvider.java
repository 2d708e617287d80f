package io.pipewright.examples.spark;

import io.pipewright.Pipeline;
import io.pipewright.spi.PipelineProvider;

/** Makes {@link DigitsSpark} available as {@code digits-spark}. */
public final class DigitsSparkProvider implements PipelineProvider {
  @Override
  public String name() {
    return "digits-spark";
  }

  @Override
  public String description() {
    return "handwritten digits: split on Spark (target spark), softmax regression in Java, evaluation";
  }

  @Override
  public Pipeline pipeline() {
    return DigitsSpark.pipeline();
  }
}
