package io.pipewright;

import java.nio.file.Path;
import java.util.Map;
import org.slf4j.Logger;

/**
 * What a running step sees: its inputs, the parameters it declared with {@code uses(...)}, a place for each declared
 * output, a logger and a way to report metrics. The engine decides where data lives; a step only ever names its own
 * inputs and outputs.
 *
 * <p>Every method fails with a message naming the step when asked for something the step did not declare, so a
 * pipeline's declarations stay the truth about what a step reads.
 */
public interface StepContext {
  String runId();

  String stepName();

  /** 1 for the first attempt, 2 for the first retry, and so on. */
  int attempt();

  /** The step being run, as declared: its inputs, outputs and parameters. */
  Step step();

  /** What this execution's reuse was decided on: its code, parameters, inputs and environment, by component. */
  Fingerprint fingerprint();

  // ---- inputs

  /** Where an input lies: the folder of a Dataset or Model, or the file or folder given as an external path. */
  Path input(String name);

  /** A Dataset input with its manifest (an external path input is hashed on first call). */
  Dataset dataset(String name);

  Model model(String name);

  Metrics metrics(String name);

  /** A JSON value input, converted to {@code type}. */
  <T> T value(String name, Class<T> type);

  // ---- parameters (only those declared with uses(...))

  Object param(String name);

  int intParam(String name);

  long longParam(String name);

  double doubleParam(String name);

  String stringParam(String name);

  boolean booleanParam(String name);

  // ---- outputs

  /** The folder to write a Dataset or Model output into; created on first call. */
  Path outputDir(String name);

  /** Writes a Metrics output or a JSON value output. Metrics written here are also reported as the step's metrics. */
  void write(String name, Object value);

  /** Metadata of a Model output (framework, feature names, ...): small, JSON-friendly values. */
  void modelMetadata(String name, Map<String, ?> metadata);

  // ---- working space

  /** A private scratch folder of this attempt, created on first call and deleted when the run ends. */
  Path tempDir();

  /**
   * For a body that is a {@link SourceFolder}: a copy of its source folder taken for this attempt (on first call),
   * with exactly the content the fingerprint was computed over. Fails when the folder changed since.
   */
  Path sourceSnapshot();

  /**
   * Pieces of work inside this step that are stored and reused on their own; see {@link WorkUnits}. None is found
   * when the step may not be reused (a run with reuse off, {@code allowReuse(false)}, a fingerprint not reusable).
   */
  WorkUnits units();

  /**
   * Keeps this execution's outputs from being reused by later runs, which then run the step again: they are complete
   * for this run but knowingly partial (a parallel step that tolerated failed partitions). {@code reason} is recorded
   * and given by explain.
   */
  void keepFromReuse(String reason);

  // ---- model registry

  /**
   * Registers a Model input or output of this step as a new version of model {@code name} in the workspace's model
   * registry (or, when the name has this content already, that version), once the step succeeds: with the step's
   * outputs, after they are stored. A step that fails, or is reused, registers nothing. The framework defaults to the
   * model's {@code framework} metadata. The step's log says which version it became ({@code registered model
   * digits:3}).
   *
   * <pre>{@code ctx.registerModel("digits", "model", ModelOptions.defaults().framework("tribuo")
   *     .metrics(ctx.metrics("metrics").asMap()));}</pre>
   */
  void registerModel(String name, String inputOrOutput, ModelOptions options);

  /** {@link #registerModel(String, String, ModelOptions)} with the default options. */
  default void registerModel(String name, String inputOrOutput) {
    registerModel(name, inputOrOutput, ModelOptions.defaults());
  }

  // ---- reporting

  /** Reports one metric of this step; recorded in the run store and shown with the run. */
  void metric(String name, double value);

  /** A logger whose lines go to this step's log in the run store, and to SLF4J with the run and step in the MDC. */
  Logger log();
}
