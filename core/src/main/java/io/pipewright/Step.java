package io.pipewright;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * A declared step of a pipeline, as {@link StepBuilder#runs} returns it: a snapshot of the declaration, and the
 * source of typed handles on its outputs ({@code split.dataset("train")}) for other steps to consume.
 */
public final class Step {
  private final String name;
  private final StepKind kind;
  private final Map<String, StepInput> inputs;
  private final Map<String, Class<?>> outputs;
  private final Set<String> parameters;
  private final Set<String> after;
  private final List<Condition> conditions;
  private final String target;
  private final Resources resources;
  private final Duration timeout;
  private final RetryPolicy retry;
  private final Class<?> bodyType;
  private final Supplier<StepBody> body;
  private final StepBody bodyInstance;
  private final Class<?> declaringClass;
  private final String version;
  private final boolean allowReuse;
  private final Duration maxReuseAge;
  private final List<String> declarationProblems;
  private final boolean standIn;

  Step(String name, StepKind kind, Map<String, StepInput> inputs, Map<String, Class<?>> outputs,
      Set<String> parameters, Set<String> after, List<Condition> conditions, String target, Resources resources,
      Duration timeout, RetryPolicy retry, Class<?> bodyType, Supplier<StepBody> body, StepBody bodyInstance,
      Class<?> declaringClass, String version, boolean allowReuse, Duration maxReuseAge,
      List<String> declarationProblems, boolean standIn) {
    this.name = name;
    this.kind = kind;
    this.inputs = inputs.isEmpty() ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(inputs));
    this.outputs = outputs.isEmpty() ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(outputs));
    this.parameters = parameters.isEmpty() ? Set.of() : Collections.unmodifiableSet(new LinkedHashSet<>(parameters));
    this.after = after.isEmpty() ? Set.of() : Collections.unmodifiableSet(new LinkedHashSet<>(after));
    this.conditions = List.copyOf(conditions);
    this.target = target;
    this.resources = resources;
    this.timeout = timeout;
    this.retry = retry;
    this.bodyType = bodyType;
    this.body = body;
    this.bodyInstance = bodyInstance;
    this.declaringClass = declaringClass;
    this.version = version;
    this.allowReuse = allowReuse;
    this.maxReuseAge = maxReuseAge;
    this.declarationProblems = List.copyOf(declarationProblems);
    this.standIn = standIn;
  }

  public String name() {
    return name;
  }

  public StepKind kind() {
    return kind;
  }

  /** Inputs by name. */
  public Map<String, StepInput> inputs() {
    return inputs;
  }

  /** Declared outputs by name, with their types. */
  public Map<String, Class<?>> outputs() {
    return outputs;
  }

  /** The pipeline parameters this step reads. */
  public Set<String> parameters() {
    return parameters;
  }

  /** Steps this one runs after without consuming their outputs. */
  public Set<String> after() {
    return after;
  }

  /** Conditions that must all hold for the step to run; see {@link StepBuilder#when}. */
  public List<Condition> conditions() {
    return conditions;
  }

  /** The logical compute target it runs on ({@code local} unless set). */
  public String target() {
    return target;
  }

  public Resources resources() {
    return resources;
  }

  /** How long one attempt may run, if limited. */
  public Optional<Duration> timeout() {
    return Optional.ofNullable(timeout);
  }

  public RetryPolicy retry() {
    return retry;
  }

  /** The class of the body: the user's class, or the lambda's synthetic class; {@code null} if none was given. */
  public Class<?> bodyType() {
    return bodyType;
  }

  /** The body, when it was given as an instance or lambda rather than a class: its fields are part of the fingerprint. */
  public Optional<StepBody> bodyInstance() {
    return Optional.ofNullable(bodyInstance);
  }

  /**
   * For a body given as an instance or lambda, the class whose code passed it to {@code runs(...)}: its code is part
   * of the fingerprint of a lambda body, since the lambda itself cannot be told apart from its class's others.
   */
  public Optional<Class<?>> declaringClass() {
    return Optional.ofNullable(declaringClass);
  }

  /** A version the step declares, part of its fingerprint: raise it to re-run a step whose code did not change. */
  public Optional<String> version() {
    return Optional.ofNullable(version);
  }

  /** Whether a run may reuse an earlier execution's outputs instead of running this step. */
  public boolean allowReuse() {
    return allowReuse;
  }

  /** How old an earlier execution may be to be reused, if limited. */
  public Optional<Duration> maxReuseAge() {
    return Optional.ofNullable(maxReuseAge);
  }

  /**
   * Whether its body is a stand-in put in place by {@link Pipeline#withBody}. A stand-in lambda is told apart from
   * the step's own lambda in the fingerprint, even when one class wrote both.
   */
  public boolean standIn() {
    return standIn;
  }

  /** A body to run one attempt: a new instance for a body given as a class, the same instance otherwise. */
  public StepBody newBody() {
    if (body == null) {
      throw new IllegalStateException("step '" + name + "' has no body");
    }
    return body.get();
  }

  /**
   * The steps this one depends on, through its inputs, its conditions or {@code after(...)}, without repeats, in
   * order.
   */
  public List<String> dependsOn() {
    LinkedHashSet<String> names = new LinkedHashSet<>();
    for (StepInput input : inputs.values()) {
      if (input instanceof StepInput.Upstream upstream) {
        names.add(upstream.output().step());
      }
    }
    for (Condition condition : conditions) {
      names.add(condition.source().step());
    }
    names.addAll(after);
    return List.copyOf(names);
  }

  /**
   * Mistakes made while declaring the step (a name declared twice, a missing body): {@link Pipeline#validate()}
   * reports them with the rest.
   */
  public List<String> declarationProblems() {
    return declarationProblems;
  }

  // ---- handles on outputs

  public Output<Dataset> dataset(String output) {
    return new Output<>(name, output, Dataset.class);
  }

  public Output<Model> model(String output) {
    return new Output<>(name, output, Model.class);
  }

  public Output<Metrics> metrics(String output) {
    return new Output<>(name, output, Metrics.class);
  }

  /** The step's one Model output, such as a train step's default {@code model}. */
  public Output<Model> model() {
    return model(only(Model.class));
  }

  /** The step's one Metrics output, such as an evaluate step's default {@code metrics}. */
  public Output<Metrics> metrics() {
    return metrics(only(Metrics.class));
  }

  /** The step's one Dataset output. */
  public Output<Dataset> dataset() {
    return dataset(only(Dataset.class));
  }

  private String only(Class<?> type) {
    List<String> names = outputs.entrySet().stream().filter(e -> e.getValue() == type).map(Map.Entry::getKey)
        .toList();
    if (names.size() != 1) {
      throw new IllegalArgumentException("step '" + name + "' has " + (names.isEmpty() ? "no" : names.size()) + " "
          + type.getSimpleName() + " outputs" + (names.isEmpty() ? "" : " (" + String.join(", ", names)
          + "): name the one you mean"));
    }
    return names.get(0);
  }

  /** A handle on a JSON value output (String, Long, Double, Boolean, List, Map...). */
  public <T> Output<T> value(String output, Class<T> type) {
    return new Output<>(name, output, type);
  }

  @Override
  public String toString() {
    return "Step " + name + " (" + kind.label() + ", on " + target + ")";
  }

  static Supplier<StepBody> instantiating(Class<? extends StepBody> type, List<String> problems, String step) {
    Constructor<? extends StepBody> constructor;
    try {
      constructor = type.getDeclaredConstructor();
      constructor.setAccessible(true);
    } catch (NoSuchMethodException | RuntimeException e) {
      problems.add("step '" + step + "': body class " + type.getName() + " has no no-argument constructor");
      return null;
    }
    return () -> {
      try {
        return constructor.newInstance();
      } catch (InvocationTargetException e) {
        throw new StepException("could not create " + type.getName() + ": " + e.getCause(), e.getCause());
      } catch (ReflectiveOperationException e) {
        throw new StepException("could not create " + type.getName() + ": " + e, e);
      }
    };
  }
}
