package io.pipewright;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Declares one step of a pipeline, fluently; {@link #runs} ends the declaration. Arguments are checked where they
 * are given; problems that involve the whole graph (unknown steps, type mismatches, cycles) are reported together by
 * {@link Pipeline#validate()}.
 *
 * <pre>{@code
 * Step train = pipeline.train("train")
 *     .input("data", split.dataset("train"))
 *     .produces("model", Model.class)
 *     .uses("epochs")
 *     .resources(r -> r.cpus(2).memory("2g"))
 *     .timeout(Duration.ofMinutes(30))
 *     .retry(RetryPolicy.retries(2))
 *     .runs(TrainDigits.class);
 * }</pre>
 */
public final class StepBuilder {
  private final Pipeline pipeline;
  private final String name;
  private final StepKind kind;
  private final Map<String, StepInput> inputs = new LinkedHashMap<>();
  private final Map<String, Class<?>> outputs = new LinkedHashMap<>();
  private final Set<String> parameters = new LinkedHashSet<>();
  private final Set<String> after = new LinkedHashSet<>();
  private final List<Condition> conditions = new ArrayList<>();
  private final List<String> problems = new ArrayList<>();
  private String target = "local";
  private Resources resources = Resources.DEFAULT;
  private Duration timeout;
  private RetryPolicy retry = RetryPolicy.NONE;
  private Class<?> bodyType;
  private Supplier<StepBody> body;
  private StepBody bodyInstance;
  private Class<?> declaringClass;
  private String version;
  private Boolean allowReuse;
  private Duration maxReuseAge;
  private String defaultOutput;
  private Class<?> defaultOutputType;
  private String bodyProblem;
  private boolean standIn;

  StepBuilder(Pipeline pipeline, String name, StepKind kind) {
    this.pipeline = pipeline;
    this.name = name;
    this.kind = kind;
  }

  /** A copy of {@code other}'s declaration, in {@code owner}: changing one does not change the other. */
  StepBuilder(Pipeline owner, StepBuilder other) {
    this(owner, other.name, other.kind);
    inputs.putAll(other.inputs);
    outputs.putAll(other.outputs);
    parameters.addAll(other.parameters);
    after.addAll(other.after);
    conditions.addAll(other.conditions);
    problems.addAll(other.problems);
    target = other.target;
    resources = other.resources;
    timeout = other.timeout;
    retry = other.retry;
    bodyType = other.bodyType;
    body = other.body;
    bodyInstance = other.bodyInstance;
    declaringClass = other.declaringClass;
    version = other.version;
    allowReuse = other.allowReuse;
    maxReuseAge = other.maxReuseAge;
    defaultOutput = other.defaultOutput;
    defaultOutputType = other.defaultOutputType;
    bodyProblem = other.bodyProblem;
    standIn = other.standIn;
  }

  /** Consumes another step's output: the data edge that orders the two steps. */
  public StepBuilder input(String inputName, Output<?> output) {
    return addInput(inputName, new StepInput.Upstream(Objects.requireNonNull(output, "output")));
  }

  /** Reads a file or folder outside the workspace, in place, as a Dataset. */
  public StepBuilder input(String inputName, Path path) {
    return addInput(inputName, new StepInput.External(Objects.requireNonNull(path, "path")));
  }

  /**
   * Reads every object below a datastore prefix ({@code URI.create("azureblob://acct/ml/raw/digits")}) as a Dataset:
   * the engine copies them into the step's working area first. A {@code file:} URI works too.
   */
  public StepBuilder input(String inputName, URI location) {
    return addInput(inputName, new StepInput.Remote(Objects.requireNonNull(location, "location")));
  }

  /** Reads the registered dataset version a DATASET parameter names: {@code input("raw", p.datasetParameter("data"))}. */
  public StepBuilder input(String inputName, StepInput.DatasetParameter parameter) {
    return addInput(inputName, Objects.requireNonNull(parameter, "parameter"));
  }

  /** Reads one registered dataset version, always the same, in place in the workspace's store. */
  public StepBuilder input(String inputName, RegisteredDataset dataset) {
    Objects.requireNonNull(dataset, "dataset");
    return addInput(inputName, new StepInput.External(dataset.root()));
  }

  private StepBuilder addInput(String inputName, StepInput input) {
    Pipeline.checkName("input", inputName);
    if (inputs.putIfAbsent(inputName, input) != null) {
      problems.add("step '" + name + "': input '" + inputName + "' is declared twice");
    }
    return this;
  }

  /**
   * Replaces a declared input with files outside the pipeline; returns why it cannot be, or null. Only an input read
   * as a Dataset can be: an external, remote or dataset-parameter input, or another step's Dataset output.
   */
  String replaceInput(String inputName, Path path) {
    StepInput declared = inputs.get(inputName);
    if (declared == null) {
      return "step '" + name + "' has no input '" + inputName + "' (inputs: "
          + (inputs.isEmpty() ? "none" : String.join(", ", inputs.keySet())) + ")";
    }
    if (declared instanceof StepInput.Upstream upstream && upstream.output().type() != Dataset.class) {
      return "input '" + inputName + "' of step '" + name + "' is a " + upstream.output().type().getSimpleName()
          + " from step '" + upstream.output().step() + "': only an input read as a Dataset can be given as files";
    }
    inputs.put(inputName, new StepInput.External(path));
    return null;
  }

  /** Declares an output: Dataset, Model, Metrics, or a JSON value (String, Long, Double, Boolean, List, Map). */
  public StepBuilder produces(String outputName, Class<?> type) {
    Pipeline.checkName("output", outputName);
    Objects.requireNonNull(type, "type");
    if (outputs.putIfAbsent(outputName, type) != null) {
      problems.add("step '" + name + "': output '" + outputName + "' is declared twice");
    }
    return this;
  }

  /** The pipeline parameters this step reads; only these re-run it when they change. */
  public StepBuilder uses(String... parameterNames) {
    for (String p : parameterNames) {
      parameters.add(Objects.requireNonNull(p, "parameter name"));
    }
    return this;
  }

  /** Runs after the given steps without consuming their outputs (an ordering-only edge). */
  public StepBuilder after(Step... steps) {
    for (Step s : steps) {
      after.add(s.name());
    }
    return this;
  }

  /** Runs after the named steps without consuming their outputs (an ordering-only edge). */
  public StepBuilder after(String... stepNames) {
    after.addAll(Arrays.asList(stepNames));
    return this;
  }

  /**
   * Runs the step only when the condition holds once its upstreams are done; otherwise it and its dependents are
   * SKIPPED with the reason, and the run still succeeds. The condition's source step becomes an upstream. Several
   * conditions must all hold.
   */
  public StepBuilder when(Condition condition) {
    conditions.add(Objects.requireNonNull(condition, "condition"));
    return this;
  }

  /** The logical compute target, bound to a real one by the workspace. Default {@code local}. */
  public StepBuilder on(String targetName) {
    Pipeline.checkName("compute target", targetName);
    this.target = targetName;
    return this;
  }

  /** What the step needs: {@code .resources(r -> r.cpus(2).memory("8g").gpus(1))}. */
  public StepBuilder resources(UnaryOperator<Resources> needs) {
    this.resources = Objects.requireNonNull(needs.apply(resources), "resources");
    return this;
  }

  /** The longest one attempt may run; it is then interrupted and fails (and is retried if the policy says so). */
  public StepBuilder timeout(Duration limit) {
    Objects.requireNonNull(limit, "timeout");
    if (limit.isZero() || limit.isNegative()) {
      throw new IllegalArgumentException("timeout must be > 0, was " + limit);
    }
    this.timeout = limit;
    return this;
  }

  public StepBuilder retry(RetryPolicy policy) {
    this.retry = Objects.requireNonNull(policy, "retry");
    return this;
  }

  /** Shorthand for {@code retry(RetryPolicy.retries(n))}. */
  public StepBuilder retries(int maxRetries) {
    return retry(RetryPolicy.retries(maxRetries));
  }

  /**
   * A version of the step's code, part of its fingerprint: raise it to make the step run again although its code did
   * not change (it calls a service that was updated, say), or to vouch for a body whose state has no canonical form.
   */
  public StepBuilder version(String value) {
    Objects.requireNonNull(value, "version");
    if (value.isBlank()) {
      throw new IllegalArgumentException("version must not be blank");
    }
    this.version = value;
    return this;
  }

  /**
   * Whether a run may reuse the outputs of an earlier execution with the same fingerprint instead of running the
   * step. Default true, but false for deploy steps, whose point is their effect.
   */
  public StepBuilder allowReuse(boolean value) {
    this.allowReuse = value;
    return this;
  }

  /** Reuse only executions younger than {@code age}: for steps whose results go stale (a feed, a scrape). */
  public StepBuilder maxReuseAge(Duration age) {
    Objects.requireNonNull(age, "max reuse age");
    if (age.isZero() || age.isNegative()) {
      throw new IllegalArgumentException("max reuse age must be > 0, was " + age);
    }
    this.maxReuseAge = age;
    return this;
  }

  /** Ends the declaration with a body class, instantiated for each attempt. */
  public Step runs(Class<? extends StepBody> type) {
    body(type);
    return pipeline.register(this);
  }

  /** Ends the declaration with a body instance or lambda, shared by all attempts. */
  public Step runs(StepBody instance) {
    // Nothing tells which lambda of a class a lambda is; the code that chose it is the next best thing.
    body(instance, StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE).getCallerClass());
    return pipeline.register(this);
  }

  /** Sets the body to a class, instantiated for each attempt; returns why it cannot be, or null. */
  String body(Class<? extends StepBody> type) {
    Objects.requireNonNull(type, "body class");
    List<String> found = new ArrayList<>();
    this.bodyType = type;
    this.body = Step.instantiating(type, found, name);
    this.bodyInstance = null;
    this.declaringClass = null;
    this.bodyProblem = found.isEmpty() ? null : found.get(0);
    return bodyProblem;
  }

  /** Sets the body to an instance or lambda, chosen by the code of {@code caller}. */
  void body(StepBody instance, Class<?> caller) {
    Objects.requireNonNull(instance, "body");
    this.bodyType = instance.getClass();
    this.body = () -> instance;
    this.bodyInstance = instance;
    this.declaringClass = caller;
    this.bodyProblem = null;
  }

  String name() {
    return name;
  }

  /** Marks the body as a stand-in, put in place by {@link Pipeline#withBody}. */
  void standIn() {
    this.standIn = true;
  }

  /** The output the step has when it declares none, as a train step has its model. */
  StepBuilder defaultOutput(String outputName, Class<?> type) {
    this.defaultOutput = outputName;
    this.defaultOutputType = type;
    return this;
  }

  Step build() {
    List<String> all = new ArrayList<>(problems);
    if (bodyProblem != null) {
      all.add(bodyProblem);
    }
    if (body == null && bodyType == null) {
      all.add("step '" + name + "' has no body: end its declaration with runs(...)");
    }
    boolean reuse = allowReuse != null ? allowReuse : kind != StepKind.DEPLOY;
    Map<String, Class<?>> declaredOutputs = outputs.isEmpty() && defaultOutput != null
        ? Map.of(defaultOutput, defaultOutputType) : outputs;
    return new Step(name, kind, inputs, declaredOutputs, parameters, after, conditions, target, resources, timeout,
        retry, bodyType, body, bodyInstance, declaringClass, version, reuse, maxReuseAge, all, standIn);
  }
}
