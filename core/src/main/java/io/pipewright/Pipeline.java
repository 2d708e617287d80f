package io.pipewright;

import io.pipewright.internal.engine.Validator;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A named DAG of steps: the definition of an ML workflow. Building it is cheap and runs nothing; a
 * {@link Workspace} validates and runs it.
 *
 * <pre>{@code
 * Pipeline p = Pipeline.named("digits").parameter("epochs", 20);
 * Step split = p.prep("split").input("raw", Path.of("digits.csv.gz"))
 *     .produces("train", Dataset.class).produces("test", Dataset.class)
 *     .runs(SplitDigits.class);
 * Step train = p.train("train").input("data", split.dataset("train"))
 *     .produces("model", Model.class).uses("epochs")
 *     .runs(TrainDigits.class);
 * }</pre>
 *
 * <p>Not thread-safe while being built. A run works on a snapshot taken at submit, so changing the pipeline later
 * does not affect runs already submitted.
 */
public final class Pipeline {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");

  private final String name;
  private final Map<String, Parameter> parameters = new LinkedHashMap<>();
  private final List<StepBuilder> steps = new ArrayList<>();

  private Pipeline(String name) {
    this.name = name;
  }

  /** A new, empty pipeline. Names are letters, digits, '_', '.', '-'. */
  public static Pipeline named(String name) {
    checkName("pipeline", name);
    return new Pipeline(name);
  }

  public String name() {
    return name;
  }

  /** Declares a parameter with a default; its type is the default's (integer, number, string or boolean). */
  public Pipeline parameter(String parameterName, Object defaultValue) {
    Objects.requireNonNull(defaultValue, "default value of parameter '" + parameterName + "'");
    ParameterType type = ParameterType.of(defaultValue);
    return declare(new Parameter(parameterName, type, type.coerce(defaultValue)));
  }

  /** Declares a parameter without a default: every run must give it. */
  public Pipeline parameter(String parameterName, ParameterType type) {
    return declare(new Parameter(parameterName, type, null));
  }

  /**
   * Declares a parameter of a given type with a default, given as the type takes it (text is parsed):
   * {@code parameter("data", ParameterType.DATASET, "digits")}.
   */
  public Pipeline parameter(String parameterName, ParameterType type, Object defaultValue) {
    Objects.requireNonNull(defaultValue, "default value of parameter '" + parameterName + "'");
    Objects.requireNonNull(type, "type");
    return declare(new Parameter(parameterName, type, type.coerce(defaultValue)));
  }

  /**
   * A step input bound to a {@link ParameterType#DATASET} parameter: the registered dataset version the run's value
   * names, as a Dataset. The step's fingerprint records its content hash, so a run on a new version re-runs the steps
   * that read it (and what depends on them), and only those.
   *
   * <pre>{@code
   * Pipeline p = Pipeline.named("digits").parameter("data", ParameterType.DATASET, "digits");
   * p.prep("prep").input("raw", p.datasetParameter("data")) ...
   * ws.submit(p, Map.of("data", "digits:2"));
   * }</pre>
   */
  public StepInput.DatasetParameter datasetParameter(String parameterName) {
    checkName("parameter", parameterName);
    return new StepInput.DatasetParameter(parameterName);
  }

  private Pipeline declare(Parameter parameter) {
    checkName("parameter", parameter.name());
    if (parameters.putIfAbsent(parameter.name(), parameter) != null) {
      throw new IllegalArgumentException(
          "pipeline '" + name + "': parameter '" + parameter.name() + "' is already declared");
    }
    return this;
  }

  /** Parameters by name, in declaration order. */
  public Map<String, Parameter> parameters() {
    return Collections.unmodifiableMap(parameters);
  }

  /** A step that prepares data. */
  public StepBuilder prep(String stepName) {
    return step(stepName, StepKind.PREP);
  }

  /** A step that trains a model: unless it declares outputs, it produces one Model named {@code model}. */
  public StepBuilder train(String stepName) {
    return step(stepName, StepKind.TRAIN).defaultOutput("model", Model.class);
  }

  /** A step that measures a model: unless it declares outputs, it produces one Metrics named {@code metrics}. */
  public StepBuilder evaluate(String stepName) {
    return step(stepName, StepKind.EVALUATE).defaultOutput("metrics", Metrics.class);
  }

  /** A step that releases a model: not reused unless it says {@code allowReuse(true)}, since its point is its effect. */
  public StepBuilder deploy(String stepName) {
    return step(stepName, StepKind.DEPLOY);
  }

  /** A step of kind {@link StepKind#CUSTOM}. */
  public StepBuilder step(String stepName) {
    return step(stepName, StepKind.CUSTOM);
  }

  public StepBuilder step(String stepName, StepKind kind) {
    checkName("step", stepName);
    Objects.requireNonNull(kind, "kind");
    StepBuilder builder = new StepBuilder(this, stepName, kind);
    steps.add(builder);
    return builder;
  }

  /**
   * A copy of this pipeline in which step {@code stepName} runs {@code standIn} instead of its own body: the same
   * name, kind, inputs, outputs, parameters, conditions and target, so the graph and what flows through it do not
   * change. For tests (a tiny model in place of expensive training) and notebooks; this pipeline is left as it is.
   *
   * <pre>{@code
   * Run run = ws.submit(Digits.pipeline().withBody("train", TinyModel.class)).await();
   * }</pre>
   *
   * <p>The stand-in must write every output the step declares, of its declared type: a run fails the step otherwise,
   * naming the output it did not write ({@code step 'train' finished without writing its declared output 'model'}),
   * and refuses writes to outputs it does not declare. Its code is part of the step's fingerprint, so a stand-in's
   * outputs are never reused for the real body, nor the other way round.
   *
   * @throws IllegalArgumentException if the pipeline has no step {@code stepName}, or the class has no no-argument
   *     constructor
   */
  public Pipeline withBody(String stepName, Class<? extends StepBody> standIn) {
    Objects.requireNonNull(standIn, "stand-in body class");
    Pipeline copy = copy();
    StepBuilder step = copy.builder(stepName);
    String problem = step.body(standIn);
    step.standIn();
    if (problem != null) {
      throw new IllegalArgumentException("stand-in for " + problem);
    }
    return copy;
  }

  /** {@link #withBody(String, Class)} with a body instance or lambda, shared by all attempts. */
  public Pipeline withBody(String stepName, StepBody standIn) {
    Objects.requireNonNull(standIn, "stand-in body");
    Pipeline copy = copy();
    StepBuilder step = copy.builder(stepName);
    step.body(standIn, StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE).getCallerClass());
    step.standIn();
    return copy;
  }

  /**
   * A copy of this pipeline in which input {@code inputName} of step {@code stepName} reads {@code files} (a file or
   * folder outside the workspace, read in place as a Dataset) instead of what it declared: for running a pipeline on
   * a small fixture in a test, or on other data in a notebook, without changing its code. This pipeline is left as
   * it is.
   *
   * <pre>{@code
   * Run run = ws.submit(pipeline.withInput("prep", "raw", Path.of("src/test/resources/ten-rows.csv"))).await();
   * }</pre>
   *
   * <p>Only an input read as a Dataset can be replaced: an external file, a datastore location, a dataset
   * parameter, or another step's Dataset output (then the edge to that step goes; the step itself stays in the
   * pipeline and still runs).
   *
   * @throws IllegalArgumentException if there is no such step or input, or the input is not read as a Dataset
   */
  public Pipeline withInput(String stepName, String inputName, Path files) {
    Objects.requireNonNull(files, "files");
    Pipeline copy = copy();
    String problem = copy.builder(stepName).replaceInput(inputName, files);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    return copy;
  }

  private Pipeline copy() {
    Pipeline copy = new Pipeline(name);
    copy.parameters.putAll(parameters);
    for (StepBuilder b : steps) {
      copy.steps.add(new StepBuilder(copy, b));
    }
    return copy;
  }

  private StepBuilder builder(String stepName) {
    List<StepBuilder> named = steps.stream().filter(b -> b.name().equals(stepName)).toList();
    if (named.size() != 1) {
      throw new IllegalArgumentException("pipeline '" + name + "' " + (named.isEmpty() ? "has no step '" + stepName
          + "' (steps: " + steps.stream().map(StepBuilder::name).collect(Collectors.joining(", ")) + ")"
          : "declares step '" + stepName + "' " + named.size() + " times: fix that first"));
    }
    return named.get(0);
  }

  Step register(StepBuilder builder) {
    return builder.build();
  }

  /** A snapshot of the declared steps, in declaration order. */
  public List<Step> steps() {
    List<Step> snapshot = new ArrayList<>(steps.size());
    for (StepBuilder b : steps) {
      snapshot.add(b.build());
    }
    return snapshot;
  }

  /**
   * Every problem of the pipeline's structure, against a workspace that has only the {@code local} target: cycles,
   * inputs no step produces, type mismatches, duplicate names, undeclared parameters, unmeetable resource needs. Empty
   * when the pipeline is valid. {@link Workspace#validate} checks against that workspace's targets instead.
   */
  public List<Problem> validate() {
    return Validator.validate(this, steps(), Validator.localTargets(), Map.of()).problems();
  }

  @Override
  public String toString() {
    List<Step> snapshot = steps();
    StringBuilder s = new StringBuilder("Pipeline ").append(name).append(" (").append(snapshot.size())
        .append(snapshot.size() == 1 ? " step" : " steps");
    if (!parameters.isEmpty()) {
      s.append("; ").append(parameters.values().stream()
          .map(p -> p.name() + "=" + (p.required() ? "?" : p.defaultValue()))
          .collect(Collectors.joining(", ")));
    }
    s.append(")");
    int width = snapshot.stream().mapToInt(st -> st.name().length()).max().orElse(0);
    for (Step st : snapshot) {
      List<String> upstream = st.dependsOn();
      String line = String.format("%-" + width + "s  %-8s", st.name(), st.kind().label());
      if (!upstream.isEmpty()) {
        line += " <- " + String.join(", ", upstream);
      }
      if (!st.conditions().isEmpty()) {
        line += " when " + st.conditions().stream().map(Condition::toString).collect(Collectors.joining(" and "));
      }
      s.append("\n  ").append(line.stripTrailing());
    }
    return s.toString();
  }

  static void checkName(String what, String value) {
    if (value == null || !NAME.matcher(value).matches()) {
      throw new IllegalArgumentException(what + " name must be letters, digits, '_', '.' or '-' (not starting with"
          + " '_', '.' or '-'), was " + (value == null ? "null" : "'" + value + "'"));
    }
  }
}
