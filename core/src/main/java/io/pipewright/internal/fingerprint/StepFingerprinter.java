package io.pipewright.internal.fingerprint;

import io.pipewright.Fingerprint;
import io.pipewright.Fingerprint.Component;
import io.pipewright.Step;
import io.pipewright.StepBody;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Assembles the fingerprint of one step execution from its named components (the rules, and why, are in
 * docs/reuse.md):
 *
 * <ul>
 *   <li>{@code code:*}: the body's code (its class, the application classes it reaches, the library jars), given by
 *       the code function; {@code code:lambda}, for a lambda body, its pipeline and step, since nothing else tells
 *       two lambdas of one class apart; {@code code:version}, a version the step declares; {@code code:state}, the
 *       canonical fields of a body given as an instance or a capturing lambda (with the code of the classes and
 *       lambdas its fields hold); {@code code:source}, the content of a script body's source folder;
 *   <li>{@code param:NAME}: the canonical JSON of each parameter the step uses, and only those;
 *   <li>{@code input:NAME}: the content hash of each input (never its producer's fingerprint);
 *   <li>{@code env:gpus}: how many GPUs the step is given, for a step that asks for any;
 *   <li>{@code env:target}: the environment of the compute target it runs on ({@code ComputeTarget.environment()}, by
 *       default its type; {@code process} says {@code local}, as it runs the same classpath).
 * </ul>
 *
 * Not in it: the step's name, the run, times, paths and the order of declarations.
 */
public final class StepFingerprinter {
  /** Component values longer than this are kept as their SHA-256. */
  static final int MAX_VALUE_LENGTH = 256;

  private final Function<Class<?>, List<Component>> code;

  /** @param code the {@code code:*} components of a body class */
  public StepFingerprinter(Function<Class<?>, List<Component>> code) {
    this.code = code;
  }

  /**
   * A fingerprint, and why an execution with it must not be reused (or {@code null} when it may be): a body whose
   * state has no canonical form could compute anything, and only a declared version vouches for it.
   */
  public record Result(Fingerprint fingerprint, String notReusable) {}

  /**
   * @param parameters the run's canonical parameter values (all of them; only those the step uses are taken)
   * @param inputs the content hash of each input, by input name
   */
  public Result fingerprint(String pipeline, Step step, String targetType, Map<String, Object> parameters,
      Map<String, String> inputs) {
    return fingerprint(pipeline, step, targetType, parameters, inputs, null);
  }

  /**
   * @param sourceHash the content hash of the body's {@link io.pipewright.SourceFolder source folder}, or null when
   *     it has none
   */
  public Result fingerprint(String pipeline, Step step, String targetType, Map<String, Object> parameters,
      Map<String, String> inputs, String sourceHash) {
    List<Component> components = new ArrayList<>();
    String notReusable = null;
    Map<String, Component> code = new TreeMap<>();
    Optional<StepBody> instance = step.bodyInstance();
    List<Class<?>> fieldCode = new ArrayList<>();
    if (instance.isPresent()) {
      try {
        state(instance.get(), fieldCode::add).ifPresent(s -> components.add(new Component("code:state", bounded(s))));
      } catch (Canonical.NotCanonicalException e) {
        if (step.version().isEmpty()) {
          notReusable = "its body's " + e.getMessage() + " -- give the step a version(...) to vouch for it, or"
              + " pass the body as a class";
        }
      }
    }
    try {
      this.code.apply(step.bodyType()).forEach(c -> code.put(c.name(), c));
      boolean lambda = isLambda(step.bodyType()) || fieldCode.stream().anyMatch(StepFingerprinter::isLambda);
      if (lambda) {
        // A lambda's code is a method of its capturing class, and nothing says which one: the step it runs for, and
        // the code that chose it, stand in for it.
        // A stand-in lambda (Pipeline.withBody) may come from the class that wrote the step's own: not the same code.
        components.add(new Component("code:lambda", pipeline + "/" + step.name()
            + (step.standIn() ? " (stand-in)" : "")));
      }
      if (isLambda(step.bodyType())) {
        step.declaringClass().ifPresent(c -> this.code.apply(c).forEach(d -> code.putIfAbsent(d.name(), d)));
      }
      for (Class<?> type : fieldCode) {
        this.code.apply(isLambda(type) ? type.getNestHost() : type).forEach(d -> code.putIfAbsent(d.name(), d));
      }
      components.addAll(code.values());
    } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
      components.add(new Component("code:unreadable", step.bodyType().getName()));
      if (step.version().isEmpty() && notReusable == null) {
        notReusable = "its code cannot be read (" + e.getMessage() + ") -- give the step a version(...) to vouch"
            + " for it";
      }
    }
    if (sourceHash != null) {
      components.add(new Component("code:source", sourceHash));
    }
    step.version().ifPresent(v -> components.add(new Component("code:version", v)));
    for (String name : step.parameters()) {
      try {
        components.add(new Component("param:" + name, bounded(Canonical.json(parameters.get(name)))));
      } catch (Canonical.NotCanonicalException e) {
        throw new IllegalStateException("parameter '" + name + "': " + e.getMessage(), e); // values are coerced
      }
    }
    inputs.forEach((name, hash) -> components.add(new Component("input:" + name, hash)));
    components.add(new Component("env:target", targetType));
    if (step.resources().gpus() > 0) {
      // A step given GPUs may take another code path (CUDA) and compute other bits than on CPUs.
      components.add(new Component("env:gpus", Integer.toString(step.resources().gpus())));
    }
    return new Result(Fingerprints.of(components), notReusable);
  }

  /**
   * The canonical fields of a body instance (a capturing lambda's captured values), if it has any. Transient fields
   * are left out: a body marks so what the fingerprint covers otherwise (a source folder, by its content). A field
   * holding a class, or a lambda, stands for code: its name (the lambda's captured values) is in the state, and the
   * class (the lambda's class) goes to {@code code} so that its code is part of the fingerprint.
   */
  static Optional<String> state(Object body, Consumer<Class<?>> code) throws Canonical.NotCanonicalException {
    TreeMap<String, Object> fields = fields(body, code, 0);
    return fields.isEmpty() ? Optional.empty() : Optional.of(Canonical.json(fields));
  }

  private static TreeMap<String, Object> fields(Object body, Consumer<Class<?>> code, int depth)
      throws Canonical.NotCanonicalException {
    TreeMap<String, Object> fields = new TreeMap<>();
    for (Class<?> type = body.getClass(); type != null && type != Object.class; type = type.getSuperclass()) {
      for (Field field : type.getDeclaredFields()) {
        if (Modifier.isStatic(field.getModifiers()) || Modifier.isTransient(field.getModifiers())) {
          continue;
        }
        String name = type == body.getClass() ? field.getName() : type.getName() + "." + field.getName();
        Object value;
        try {
          field.setAccessible(true);
          value = field.get(body);
        } catch (ReflectiveOperationException | RuntimeException e) {
          throw new Canonical.NotCanonicalException("field '" + field.getName() + "' cannot be read (" + e + ")");
        }
        if (value instanceof Class<?> c) {
          code.accept(c);
          value = "class " + c.getName();
        } else if (value != null && isLambda(value.getClass()) && depth < 8) {
          code.accept(value.getClass());
          value = Map.of("lambda", value.getClass().getNestHost().getName(), "captured",
              fields(value, code, depth + 1));
        }
        try {
          Canonical.json(value);
        } catch (Canonical.NotCanonicalException notCanonical) {
          throw new Canonical.NotCanonicalException("field '" + name + "' " + notCanonical.getMessage()
              .replaceFirst("^value ", ""));
        }
        fields.put(name, value);
      }
    }
    return fields;
  }

  /**
   * The fingerprinter of a workspace: code components from {@link CodeIdentity}, library jars hashed by
   * {@code jarHasher}.
   */
  public static StepFingerprinter forJava(Function<Path, String> jarHasher) {
    CodeIdentityResolver resolver = new CodeIdentityResolver(jarHasher);
    // A loaded class's code cannot change while it is loaded: its identity is computed once per class.
    ClassValue<List<Component>> identities = new ClassValue<>() {
      @Override
      protected List<Component> computeValue(Class<?> type) {
        return List.copyOf(components(resolver.identify(type)));
      }
    };
    return new StepFingerprinter(identities::get);
  }

  /** {@code code:class:NAME}, {@code code:library:JAR} and {@code code:missing:NAME} components of a code identity. */
  static List<Component> components(CodeIdentity code) {
    List<Component> components = new ArrayList<>();
    code.classes().forEach((name, hash) -> components.add(new Component("code:class:" + name, hash)));
    code.libraries().forEach((jar, hash) -> components.add(new Component("code:library:" + jar, hash)));
    code.missing().forEach(name -> components.add(new Component("code:missing:" + name, "missing")));
    return components;
  }

  static boolean isLambda(Class<?> type) {
    return type.isHidden() || type.isSynthetic() && type.getName().contains("$$Lambda");
  }

  static String bounded(String value) {
    return value.length() <= MAX_VALUE_LENGTH ? value : Fingerprints.sha256(value);
  }
}
