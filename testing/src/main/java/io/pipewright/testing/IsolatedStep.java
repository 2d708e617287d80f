package io.pipewright.testing;

import io.pipewright.Dataset;
import io.pipewright.Metrics;
import io.pipewright.Model;
import io.pipewright.Output;
import io.pipewright.Parameter;
import io.pipewright.Pipeline;
import io.pipewright.Run;
import io.pipewright.RunOptions;
import io.pipewright.Step;
import io.pipewright.StepBody;
import io.pipewright.StepBuilder;
import io.pipewright.StepContext;
import io.pipewright.StepInput;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * One step of a pipeline, run on its own with inputs given by the test: files (a {@link Path}) for Dataset, Model and
 * external inputs, in-memory values ({@link Metrics}, a map of metrics, a String, a number, a list, a map...) for the
 * others. From {@link TestWorkspace#step}.
 *
 * <pre>{@code
 * Run run = ws.step(Digits.pipeline(), "evaluate")
 *     .input("model", modelFolder)
 *     .input("test", testFolder)
 *     .run();
 * assertThat(run).succeeded().step("evaluate").metric("accuracy").isGreaterThan(0.9);
 * }</pre>
 *
 * <p>The run is of a pipeline of the same name holding the step, as declared (body, outputs, parameters it uses,
 * target, retries), and one step {@code given.INPUT} for each input given from a file or value, which hands it to the
 * step with the type the step expects. The step's conditions and its ordering-only ({@code after}) edges are left
 * out: their steps are not there. Every input the step reads from another step must be given; external inputs are
 * read as declared unless given.
 */
public final class IsolatedStep {
  private final TestWorkspace workspace;
  private final Pipeline pipeline;
  private final Step step;
  private final Map<String, Object> given = new LinkedHashMap<>();
  private RunOptions options = RunOptions.defaults();

  IsolatedStep(TestWorkspace workspace, Pipeline pipeline, String stepName) {
    this.workspace = workspace;
    this.pipeline = Objects.requireNonNull(pipeline, "pipeline");
    Objects.requireNonNull(stepName, "step");
    List<Step> steps = pipeline.steps();
    this.step = steps.stream().filter(s -> s.name().equals(stepName)).findFirst().orElseThrow(() ->
        new IllegalArgumentException("pipeline '" + pipeline.name() + "' has no step '" + stepName + "' (steps: "
            + steps.stream().map(Step::name).collect(Collectors.joining(", ")) + ")"));
  }

  /**
   * Gives input {@code name} as a file or folder: for a Dataset, Model or external input. A folder's files are
   * copied as they are; a file becomes the one file of the input. A Model given so has no metadata.
   */
  public IsolatedStep input(String name, Path files) {
    given.put(checkInput(name), Objects.requireNonNull(files, "files of input '" + name + "'"));
    return this;
  }

  /** Gives input {@code name} as a value: Metrics (or a map of names to numbers), or a JSON value. */
  public IsolatedStep input(String name, Object value) {
    given.put(checkInput(name), Objects.requireNonNull(value, "value of input '" + name + "'"));
    return this;
  }

  /** A parameter value for the run; the others take their defaults. */
  public IsolatedStep param(String name, Object value) {
    options = options.param(name, value);
    return this;
  }

  /** Options for the run (parameters given with {@link #param} are kept). */
  public IsolatedStep options(RunOptions value) {
    options = Objects.requireNonNull(value, "options").params(options.parameters());
    return this;
  }

  private String checkInput(String name) {
    Objects.requireNonNull(name, "input name");
    if (!step.inputs().containsKey(name)) {
      throw new IllegalArgumentException("step '" + step.name() + "' has no input '" + name + "' (inputs: "
          + (step.inputs().isEmpty() ? "none" : String.join(", ", step.inputs().keySet())) + ")");
    }
    return name;
  }

  /**
   * The pipeline that {@link #run()} runs: the step, fed by a {@code given.INPUT} step per given input.
   *
   * @throws IllegalArgumentException if an input the step reads from another step is not given, or is given as a
   *     file where a value is expected or the other way round
   */
  public Pipeline pipeline() {
    List<String> missing = step.inputs().entrySet().stream()
        .filter(e -> e.getValue() instanceof StepInput.Upstream && !given.containsKey(e.getKey()))
        .map(Map.Entry::getKey).toList();
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException("step '" + step.name() + "' reads " + String.join(", ", missing)
          + " from other steps: give " + (missing.size() == 1 ? "it" : "them") + " with input(name, files or value)");
    }
    Pipeline p = Pipeline.named(pipeline.name());
    for (String used : step.parameters()) {
      Parameter declared = pipeline.parameters().get(used);
      if (declared == null) {
        continue; // validation reports it, as it would for the whole pipeline
      }
      if (declared.required()) {
        p.parameter(used, declared.type());
      } else {
        p.parameter(used, declared.type(), declared.defaultValue());
      }
    }
    Map<String, Output<?>> fed = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : given.entrySet()) {
      StepInput declared = step.inputs().get(e.getKey());
      if (declared instanceof StepInput.Upstream upstream) {
        fed.put(e.getKey(), feed(p, e.getKey(), upstream.output().type(), e.getValue()));
      } else if (!(e.getValue() instanceof Path)) {
        throw new IllegalArgumentException("input '" + e.getKey() + "' of step '" + step.name() + "' is files from"
            + " outside the pipeline: give a Path, not a " + e.getValue().getClass().getSimpleName());
      }
    }
    StepBuilder b = p.step(step.name(), step.kind());
    step.inputs().forEach((name, input) -> {
      Object value = given.get(name);
      if (fed.containsKey(name)) {
        b.input(name, fed.get(name));
      } else if (value instanceof Path path) {
        b.input(name, path);
      } else if (input instanceof StepInput.External external) {
        b.input(name, external.path());
      } else if (input instanceof StepInput.Remote remote) {
        b.input(name, remote.location());
      } else if (input instanceof StepInput.DatasetParameter parameter) {
        b.input(name, parameter);
      }
    });
    step.outputs().forEach(b::produces);
    b.uses(step.parameters().toArray(String[]::new)).on(step.target()).resources(r -> step.resources())
        .retry(step.retry()).allowReuse(step.allowReuse());
    step.timeout().ifPresent(b::timeout);
    step.version().ifPresent(b::version);
    step.maxReuseAge().ifPresent(b::maxReuseAge);
    if (step.bodyInstance().isPresent()) {
      b.runs(step.bodyInstance().get());
    } else if (step.bodyType() != null) {
      b.runs(step.bodyType().asSubclass(StepBody.class));
    }
    return p;
  }

  /** Runs the step with its given inputs and waits for the run to end. */
  public Run run() {
    return workspace.workspace().submit(pipeline(), options).await();
  }

  private Output<?> feed(Pipeline p, String input, Class<?> type, Object value) {
    String name = "given." + input;
    boolean files = type == Dataset.class || type == Model.class;
    if (files != value instanceof Path) {
      throw new IllegalArgumentException("input '" + input + "' of step '" + step.name() + "' is " + (files
          ? "a " + type.getSimpleName() + ": give a Path to its files, not a " + value.getClass().getSimpleName()
          : "a " + type.getSimpleName() + " value: give the value, not a Path"));
    }
    if (files) {
      p.step(name).input("files", (Path) value).produces("value", type).runs(GivenFiles.class);
    } else if (type == Metrics.class) {
      Map<String, Double> metrics = value instanceof Metrics m ? m.asMap() : Metrics.of(numbers(input, value)).asMap();
      p.step(name).produces("value", type).runs(new GivenValue(metrics, true));
    } else {
      p.step(name).produces("value", type).runs(new GivenValue(value, false));
    }
    return new Output<>(name, "value", type);
  }

  private Map<String, Number> numbers(String input, Object value) {
    if (!(value instanceof Map<?, ?> map)) {
      throw new IllegalArgumentException("input '" + input + "' of step '" + step.name() + "' is Metrics: give"
          + " Metrics or a map of names to numbers, not a " + value.getClass().getSimpleName());
    }
    Map<String, Number> numbers = new LinkedHashMap<>();
    map.forEach((k, v) -> {
      if (!(k instanceof String) || !(v instanceof Number)) {
        throw new IllegalArgumentException("input '" + input + "' of step '" + step.name() + "' is Metrics: give"
            + " a map of names to numbers, not one with " + k + "=" + v);
      }
      numbers.put((String) k, (Number) v);
    });
    return numbers;
  }

  /** Copies the given file, or the files under the given folder, into the output. */
  static final class GivenFiles implements StepBody {
    GivenFiles() {}

    @Override
    public void run(StepContext ctx) throws IOException {
      Path from = ctx.input("files");
      Path to = ctx.outputDir("value");
      if (!Files.isDirectory(from)) {
        Files.copy(from, to.resolve(from.getFileName().toString()));
        return;
      }
      List<Path> files = new ArrayList<>();
      try (Stream<Path> walk = Files.walk(from)) {
        walk.filter(Files::isRegularFile).forEach(files::add);
      }
      for (Path file : files) {
        Path target = to.resolve(from.relativize(file).toString());
        Files.createDirectories(target.getParent());
        Files.copy(file, target, StandardCopyOption.COPY_ATTRIBUTES);
      }
    }
  }

  /**
   * Writes a value given in the test. A record, so that the value is part of the step's fingerprint: a run with
   * another value runs again.
   */
  record GivenValue(Object value, boolean metrics) implements StepBody {
    @Override
    public void run(StepContext ctx) {
      @SuppressWarnings("unchecked")
      Map<String, Double> asMetrics = metrics ? (Map<String, Double>) value : null;
      ctx.write("value", metrics ? Metrics.of(asMetrics) : value);
    }
  }
}
