package io.pipewright.internal.engine;

import com.fasterxml.jackson.databind.JsonNode;
import io.pipewright.DataFile;
import io.pipewright.Dataset;
import io.pipewright.Fingerprint;
import io.pipewright.Metrics;
import io.pipewright.Model;
import io.pipewright.ModelOptions;
import io.pipewright.internal.registry.Names;
import io.pipewright.Step;
import io.pipewright.StepContext;
import io.pipewright.SourceFolder;
import io.pipewright.StepException;
import io.pipewright.WorkUnits;
import io.pipewright.internal.util.FileTrees;
import io.pipewright.internal.util.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.slf4j.Logger;

/** The context of one attempt of one step. Used by the step's own thread only. */
final class StepContextImpl implements StepContext {
  /** An output as the step left it in staging, checked and hashed, not yet committed. */
  record PreparedOutput(Class<?> type, Path staged, List<DataFile> files, Map<String, Object> metadata,
      JsonNode value) {}

  /** A model the step asked to register once it succeeds: an input or an output of type Model. */
  record ModelRegistration(String name, String inputOrOutput, boolean output, ModelOptions options) {}

  /** Where reported metrics and log lines go. */
  interface Reporter {
    void metric(String name, double value);

    void log(String level, String message);
  }

  private final String runId;
  private final Step step;
  private final int attempt;
  private final Fingerprint fingerprint;
  private final Map<String, Object> parameters;
  private final Map<String, Object> inputs; // StoredOutput, or ExternalInput
  private final Supplier<Path> staging;
  private final OutputStore outputs;
  private final Reporter reporter;
  private final ExternalInput source;
  private final WorkUnits units;
  private Path tempDir;
  private Path sourceSnapshot;
  private volatile String keptFromReuse;
  private final Map<String, Path> outputDirs = new HashMap<>();
  private final Map<String, JsonNode> values = new HashMap<>();
  private final Map<String, Map<String, Object>> modelMetadata = new HashMap<>();
  private final List<ModelRegistration> registrations = new java.util.ArrayList<>();
  private Logger logger;

  /** @param source the hashed source folder of a {@link SourceFolder} body, or null */
  StepContextImpl(String runId, Step step, int attempt, Fingerprint fingerprint, Map<String, Object> parameters,
      Map<String, Object> inputs, ExternalInput source, Supplier<Path> staging, OutputStore outputs, Reporter reporter,
      WorkUnits units) {
    this.runId = runId;
    this.step = step;
    this.attempt = attempt;
    this.fingerprint = fingerprint;
    this.source = source;
    this.units = units;
    this.parameters = parameters;
    this.inputs = inputs;
    this.staging = staging;
    this.outputs = outputs;
    this.reporter = reporter;
  }

  @Override
  public String runId() {
    return runId;
  }

  @Override
  public String stepName() {
    return step.name();
  }

  @Override
  public int attempt() {
    return attempt;
  }

  @Override
  public Step step() {
    return step;
  }

  @Override
  public Fingerprint fingerprint() {
    return fingerprint;
  }

  // ------------------------------------------------------------------ inputs

  private Object resolved(String name) {
    Object input = inputs.get(name);
    if (input == null) {
      throw misuse("has no input '" + name + "' (inputs: " + names(step.inputs().keySet()) + ")");
    }
    return input;
  }

  @Override
  public Path input(String name) {
    Object input = resolved(name);
    if (input instanceof ExternalInput external) {
      return external.path();
    }
    StoredOutput stored = (StoredOutput) input;
    if (stored.dir() == null) {
      throw misuse("input '" + name + "' is a " + stored.type().getSimpleName() + " value, not files: read it with "
          + (stored.type() == Metrics.class ? "metrics" : "value") + "(\"" + name + "\")");
    }
    return stored.dir();
  }

  @Override
  public Dataset dataset(String name) {
    Object input = resolved(name);
    if (input instanceof ExternalInput external) {
      return external.dataset();
    }
    StoredOutput stored = expect(name, (StoredOutput) input, Dataset.class);
    return stored.asDataset();
  }

  @Override
  public Model model(String name) {
    Object input = resolved(name);
    if (input instanceof ExternalInput external) {
      Dataset files = external.dataset();
      return new Model(files.root(), files.files(), Map.of());
    }
    return expect(name, (StoredOutput) input, Model.class).asModel();
  }

  @Override
  public Metrics metrics(String name) {
    Object input = resolved(name);
    if (input instanceof ExternalInput) {
      throw misuse("input '" + name + "' is an external file, not Metrics");
    }
    return expect(name, (StoredOutput) input, Metrics.class).asMetrics();
  }

  @Override
  public <T> T value(String name, Class<T> type) {
    Object input = resolved(name);
    if (input instanceof ExternalInput || ((StoredOutput) input).value() == null) {
      throw misuse("input '" + name + "' is files, not a value: read it with input(\"" + name + "\")");
    }
    JsonNode value = ((StoredOutput) input).value();
    try {
      return Json.MAPPER.treeToValue(value, type);
    } catch (IOException | IllegalArgumentException e) {
      throw misuse("input '" + name + "' holds " + value + ", which is not a " + type.getSimpleName());
    }
  }

  private StoredOutput expect(String name, StoredOutput stored, Class<?> type) {
    if (stored.type() != type) {
      throw misuse("input '" + name + "' is a " + stored.type().getSimpleName() + ", not a " + type.getSimpleName());
    }
    return stored;
  }

  // ------------------------------------------------------------------ parameters

  @Override
  public Object param(String name) {
    if (!step.parameters().contains(name)) {
      throw misuse("reads parameter '" + name + "' without declaring it: add .uses(\"" + name
          + "\") to the step, so that changing it re-runs the step");
    }
    return parameters.get(name);
  }

  @Override
  public int intParam(String name) {
    long value = longParam(name);
    if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
      throw misuse("parameter '" + name + "' is " + value + ", too large for an int: use longParam");
    }
    return (int) value;
  }

  @Override
  public long longParam(String name) {
    return typed(name, Long.class, "an integer");
  }

  @Override
  public double doubleParam(String name) {
    Object value = param(name);
    if (value instanceof Long l) {
      return l;
    }
    return typed(name, Double.class, "a number");
  }

  @Override
  public String stringParam(String name) {
    return typed(name, String.class, "a string");
  }

  @Override
  public boolean booleanParam(String name) {
    return typed(name, Boolean.class, "a boolean");
  }

  private <T> T typed(String name, Class<T> type, String what) {
    Object value = param(name);
    if (!type.isInstance(value)) {
      throw misuse("parameter '" + name + "' is " + value + ", not " + what);
    }
    return type.cast(value);
  }

  // ------------------------------------------------------------------ outputs

  private Class<?> declared(String name) {
    Class<?> type = step.outputs().get(name);
    if (type == null) {
      throw misuse("has no output '" + name + "' (outputs: " + names(step.outputs().keySet()) + ")");
    }
    return type;
  }

  @Override
  public Path outputDir(String name) {
    Class<?> type = declared(name);
    if (!OutputTypes.isFiles(type)) {
      throw misuse("output '" + name + "' is a " + type.getSimpleName() + ", not files: use write(\"" + name
          + "\", value)");
    }
    return outputDirs.computeIfAbsent(name, n -> {
      try {
        return Files.createDirectories(staging.get().resolve(n));
      } catch (IOException e) {
        throw new UncheckedIOException("step '" + step.name() + "': cannot create output folder for '" + n + "'", e);
      }
    });
  }

  @Override
  public void write(String name, Object value) {
    Class<?> type = declared(name);
    if (OutputTypes.isFiles(type)) {
      throw misuse("output '" + name + "' is a " + type.getSimpleName() + ": write files into outputDir(\"" + name
          + "\")");
    }
    if (value == null) {
      throw misuse("output '" + name + "': cannot write null");
    }
    if (type == Metrics.class) {
      Metrics metrics = value instanceof Metrics m ? m : asMetrics(name, value);
      values.put(name, Json.MAPPER.valueToTree(metrics.asMap()));
      metrics.asMap().forEach(this::metric);
      return;
    }
    JsonNode node = Json.MAPPER.valueToTree(value);
    if (!matches(type, node)) {
      throw misuse("output '" + name + "' is declared " + type.getSimpleName() + " but was written "
          + value.getClass().getSimpleName() + " " + abbreviate(node.toString()));
    }
    values.put(name, node);
  }

  private Metrics asMetrics(String name, Object value) {
    if (value instanceof Map<?, ?> map) {
      Map<String, Number> numbers = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : map.entrySet()) {
        if (!(e.getKey() instanceof String key) || !(e.getValue() instanceof Number number)) {
          throw misuse("output '" + name + "' is Metrics: give Metrics or a map of names to numbers");
        }
        numbers.put(key, number);
      }
      try {
        return Metrics.of(numbers);
      } catch (IllegalArgumentException e) {
        throw misuse("output '" + name + "': " + e.getMessage());
      }
    }
    throw misuse("output '" + name + "' is Metrics: give Metrics or a map of names to numbers, not "
        + value.getClass().getSimpleName());
  }

  private static boolean matches(Class<?> type, JsonNode node) {
    if (type == JsonNode.class) {
      return true;
    }
    if (type == String.class) {
      return node.isTextual();
    }
    if (type == Integer.class) {
      return node.canConvertToInt() && node.isIntegralNumber();
    }
    if (type == Long.class) {
      return node.isIntegralNumber() && node.canConvertToLong();
    }
    if (type == Double.class) {
      return node.isNumber();
    }
    if (type == Boolean.class) {
      return node.isBoolean();
    }
    if (type == List.class) {
      return node.isArray();
    }
    return type == Map.class && node.isObject();
  }

  @Override
  public void modelMetadata(String name, Map<String, ?> metadata) {
    Class<?> type = declared(name);
    if (type != Model.class) {
      throw misuse("output '" + name + "' is a " + type.getSimpleName() + ", not a Model");
    }
    Map<String, Object> copy = Json.MAPPER.convertValue(metadata,
        Json.MAPPER.getTypeFactory().constructMapType(LinkedHashMap.class, String.class, Object.class));
    modelMetadata.put(name, copy);
  }

  // ------------------------------------------------------------------ working space

  @Override
  public Path tempDir() {
    if (tempDir == null) {
      tempDir = createFolder(".scratch", "scratch folder");
    }
    return tempDir;
  }

  @Override
  public Path sourceSnapshot() {
    if (source == null) {
      throw misuse("has no source folder: only a body that implements SourceFolder has one");
    }
    if (sourceSnapshot != null) {
      return sourceSnapshot;
    }
    Path snapshot = createFolder(".source", "source snapshot");
    Path from = source.dataset().root();
    try {
      for (DataFile file : source.dataset().files()) {
        Path to = snapshot.resolve(file.path());
        Files.createDirectories(to.getParent());
        Files.copy(from.resolve(file.path()), to, StandardCopyOption.COPY_ATTRIBUTES);
      }
    } catch (IOException e) {
      throw StepException.nonRetryable("step '" + step.name() + "': source folder " + from + " changed while the"
          + " step started (" + e.getMessage() + "): run it again");
    }
    List<DataFile> copied = outputs.manifest(snapshot);
    if (!copied.equals(source.dataset().files())) {
      throw StepException.nonRetryable("step '" + step.name() + "': source folder " + from + " changed after the"
          + " step was fingerprinted: run it again");
    }
    sourceSnapshot = snapshot;
    return snapshot;
  }

  @Override
  public WorkUnits units() {
    return units;
  }

  @Override
  public void keepFromReuse(String reason) {
    if (reason == null || reason.isBlank()) {
      throw misuse("keepFromReuse needs a reason");
    }
    keptFromReuse = reason;
  }

  /** Why the step's outputs must not be reused, if it said so. */
  String keptFromReuse() {
    return keptFromReuse;
  }

  private Path createFolder(String name, String what) {
    try {
      return Files.createDirectories(staging.get().resolve(name));
    } catch (IOException e) {
      throw new UncheckedIOException("step '" + step.name() + "': cannot create its " + what, e);
    }
  }

  // ------------------------------------------------------------------ model registry

  @Override
  public void registerModel(String name, String inputOrOutput, ModelOptions options) {
    try {
      Names.checkName("model", name);
    } catch (io.pipewright.UserException e) {
      throw misuse("cannot register model: " + e.getMessage());
    }
    java.util.Objects.requireNonNull(options, "options");
    boolean output = step.outputs().containsKey(inputOrOutput);
    if (output) {
      if (declared(inputOrOutput) != Model.class) {
        throw misuse("cannot register output '" + inputOrOutput + "' as a model: it is a "
            + step.outputs().get(inputOrOutput).getSimpleName() + ", not a Model");
      }
    } else {
      Object input = inputs.get(inputOrOutput);
      if (input == null) {
        throw misuse("cannot register '" + inputOrOutput + "' as a model: it has no input or output of that name"
            + " (inputs: " + names(step.inputs().keySet()) + "; outputs: " + names(step.outputs().keySet()) + ")");
      }
      if (!(input instanceof StoredOutput stored) || stored.type() != Model.class) {
        throw misuse("cannot register input '" + inputOrOutput + "' as a model: it is "
            + (input instanceof StoredOutput s ? "a " + s.type().getSimpleName() : "an external file or folder")
            + ", not a Model a step produced");
      }
    }
    registrations.add(new ModelRegistration(name, inputOrOutput, output, options));
  }

  /** The models to register once the step has succeeded, in the order asked. */
  List<ModelRegistration> registrations() {
    return List.copyOf(registrations);
  }

  /** A Model input, for registration. */
  StoredOutput storedInput(String name) {
    return (StoredOutput) inputs.get(name);
  }

  // ------------------------------------------------------------------ reporting

  @Override
  public void metric(String name, double value) {
    if (name == null || name.isBlank()) {
      throw misuse("metric names must not be empty");
    }
    if (!Double.isFinite(value)) {
      throw misuse("metric '" + name + "' must be a finite number, was " + value);
    }
    reporter.metric(name, value);
  }

  @Override
  public Logger log() {
    if (logger == null) {
      logger = new StepLogger(step.name(), reporter::log);
    }
    return logger;
  }

  // ------------------------------------------------------------------ end of the attempt

  /**
   * Checks that every declared output was written, and hashes the files ones. A step that did not write one fails,
   * and retrying would not help.
   */
  Map<String, PreparedOutput> finish() throws IOException {
    return prepare(true);
  }

  /**
   * {@link #finish()} without hashing the files: what the step runner hands back to the engine, which hashes them as
   * for a step run in process.
   */
  Map<String, PreparedOutput> written() throws IOException {
    return prepare(false);
  }

  private Map<String, PreparedOutput> prepare(boolean hash) throws IOException {
    Map<String, PreparedOutput> prepared = new LinkedHashMap<>();
    for (Map.Entry<String, Class<?>> output : step.outputs().entrySet()) {
      String name = output.getKey();
      Class<?> type = output.getValue();
      if (OutputTypes.isFiles(type)) {
        Path dir = outputDirs.get(name);
        if (dir == null || !hasFiles(dir)) {
          throw StepException.nonRetryable("step '" + step.name() + "' finished without writing its declared output '"
              + name + "' (" + type.getSimpleName() + "): write files into ctx.outputDir(\"" + name + "\")");
        }
        prepared.put(name, new PreparedOutput(type, dir, hash ? outputs.manifest(dir) : List.of(),
            modelMetadata.getOrDefault(name, Map.of()), null));
      } else {
        JsonNode value = values.get(name);
        if (value == null) {
          throw StepException.nonRetryable("step '" + step.name() + "' finished without writing its declared output '"
              + name + "' (" + type.getSimpleName() + "): call ctx.write(\"" + name + "\", value)");
        }
        prepared.put(name, new PreparedOutput(type, null, List.of(), Map.of(), value));
      }
    }
    return prepared;
  }

  private static boolean hasFiles(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      return walk.anyMatch(Files::isRegularFile);
    }
  }

  private StepException misuse(String message) {
    return StepException.nonRetryable("step '" + step.name() + "' " + message);
  }

  private static String names(java.util.Collection<String> names) {
    return names.isEmpty() ? "none" : String.join(", ", names);
  }

  private static String abbreviate(String text) {
    return text.length() <= 60 ? text : text.substring(0, 57) + "...";
  }
}
