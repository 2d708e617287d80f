package io.pipewright.spi;

import io.pipewright.Pipeline;

/**
 * Makes a pipeline available by name to tools such as {@code pipewright run NAME}. Register implementations in
 * {@code META-INF/services/io.pipewright.spi.PipelineProvider}; a provider's class name also works as the pipeline
 * name without registration. Implementations need a public no-argument constructor.
 */
public interface PipelineProvider {
  /** The name users type, such as {@code digits}. */
  String name();

  /** One line saying what the pipeline does. */
  default String description() {
    return "";
  }

  /** A fresh pipeline definition. */
  Pipeline pipeline();
}
