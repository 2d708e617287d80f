package io.pipewright.internal.engine;

import io.pipewright.ModelOptions;

/** Registers the models steps ask to register ({@code ctx.registerModel}), once the step has succeeded. */
public interface ModelRegistrar {
  /**
   * Records a stored Model output or input as a version of model {@code name}.
   *
   * @return {@code name:version}
   */
  String register(String name, StoredOutput model, ModelOptions options, String runId, String step);
}
