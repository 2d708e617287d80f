package io.pipewright.steps;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pipewright.Fingerprint;
import io.pipewright.StepContext;
import io.pipewright.StepException;
import io.pipewright.steps.ScriptPlaceholders.Located;
import io.pipewright.steps.ScriptPlaceholders.Placeholder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * What a script's placeholders and {@code PW_*} variables stand for in one attempt, and, once the script exited,
 * the taking over of what it wrote: value outputs and metrics from their JSON files.
 *
 * <p>A step body does not see its step's declarations; the context tells what it needs. The inputs and the parameters
 * the step uses are the {@code input:NAME} and {@code param:NAME} components of its fingerprint. An output is a
 * folder when {@link StepContext#outputDir} gives one, and a value (Metrics or JSON) when it refuses because the
 * output is not files; only the outputs the script names can be known this way.
 */
final class ScriptBindings {
  static final ObjectMapper JSON = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private final String step;
  private final Map<Placeholder, String> values = new HashMap<>();
  private final Map<String, String> variables = new LinkedHashMap<>();
  private final Map<String, String> variableOwners = new HashMap<>();
  private final Map<String, Path> folderOutputs = new LinkedHashMap<>();
  private final Map<String, Path> valueOutputs = new LinkedHashMap<>();
  private final Path metricsFile;

  private ScriptBindings(String step, Path metricsFile) {
    this.step = step;
    this.metricsFile = metricsFile;
  }

  /**
   * Resolves every placeholder of {@code arguments} and every variable, failing with one line naming the step and
   * the culprit for a name the step does not have. Writes value inputs to JSON files in the scratch folder.
   *
   * @param extraOutputs outputs named with {@link Script#outputs}, which get variables although no argument names them
   */
  static ScriptBindings bind(StepContext ctx, List<String> arguments, List<String> extraOutputs) throws IOException {
    String step = ctx.stepName();
    List<Located> used = ScriptPlaceholders.placeholders(arguments);
    Set<String> inputs = names(ctx.fingerprint(), "input:");
    Set<String> params = names(ctx.fingerprint(), "param:");
    for (Located at : used) { // mistakes first, before anything is written
      Placeholder p = at.placeholder();
      if (p.kind().equals("input") && !inputs.contains(p.name())) {
        throw StepException.nonRetryable("step '" + step + "': placeholder " + p + " in argument " + at.argument()
            + " names no input of the step (inputs: " + (inputs.isEmpty() ? "none" : String.join(", ", inputs))
            + ")");
      }
      if (p.kind().equals("param")) {
        ctx.param(p.name()); // fails, saying to declare it with uses(...), unless the step uses it
        params.add(p.name());
      }
    }
    Path scratch = ctx.tempDir();
    ScriptBindings bindings = new ScriptBindings(step, scratch.resolve("metrics.json"));
    bindings.variable("PW_RUN_ID", ctx.runId(), "the run id");
    bindings.variable("PW_STEP", step, "the step name");
    bindings.variable("PW_ATTEMPT", Integer.toString(ctx.attempt()), "the attempt");
    bindings.variable("PW_METRICS_FILE", bindings.metricsFile.toString(), "the metrics file");
    for (String input : inputs) {
      bindings.bind("input", input, inputPath(ctx, input, scratch).toString());
    }
    for (String param : params) {
      Object value = ctx.param(param);
      bindings.bind("param", param, value == null ? "" : String.valueOf(value));
    }
    Set<String> outputs = new LinkedHashSet<>();
    for (Located at : used) {
      if (at.placeholder().kind().equals("output") && outputs.add(at.placeholder().name())) {
        bindings.output(ctx, at.placeholder().name(), scratch, "placeholder " + at.placeholder() + " in argument "
            + at.argument());
      }
    }
    for (String output : extraOutputs) {
      if (outputs.add(output)) {
        bindings.output(ctx, output, scratch, "Script.outputs(\"" + output + "\")");
      }
    }
    return bindings;
  }

  private static Set<String> names(Fingerprint fingerprint, String prefix) {
    Set<String> names = new TreeSet<>();
    if (fingerprint == null) {
      return names; // a context made by hand, in a test
    }
    for (Fingerprint.Component c : fingerprint.components()) {
      if (c.name().startsWith(prefix)) {
        names.add(c.name().substring(prefix.length()));
      }
    }
    return names;
  }

  /** The folder or file of an input; a Metrics or JSON value input is written to a JSON file first. */
  private static Path inputPath(StepContext ctx, String name, Path scratch) throws IOException {
    try {
      return ctx.input(name);
    } catch (StepException notFiles) {
      Object value = ctx.value(name, Object.class); // a Metrics input reads as its JSON object of numbers
      Path file = Files.createDirectories(scratch.resolve("inputs")).resolve(name + ".json");
      JSON.writeValue(file.toFile(), value);
      return file;
    }
  }

  private void output(StepContext ctx, String name, Path scratch, String culprit) {
    Path folder;
    try {
      folder = ctx.outputDir(name);
    } catch (StepException e) {
      if (e.getMessage() != null && e.getMessage().contains("has no output '" + name + "'")) {
        throw StepException.nonRetryable("step '" + step + "': " + culprit + " names no output of the step -- declare"
            + " it with .produces(\"" + name + "\", type)");
      }
      folder = null; // a Metrics or JSON value output: the script writes its JSON to a file
    }
    if (folder != null) {
      folderOutputs.put(name, folder);
      bind("output", name, folder.toString());
      return;
    }
    Path file = scratch.resolve("outputs").resolve(name + ".json");
    try {
      Files.createDirectories(file.getParent());
    } catch (IOException e) {
      throw new StepException("step '" + step + "': cannot create a file for output '" + name + "': " + e, e);
    }
    valueOutputs.put(name, file);
    bind("output", name, file.toString());
  }

  private void bind(String kind, String name, String value) {
    values.put(new Placeholder(kind, name), value);
    variable(ScriptPlaceholders.variable(kind, name), value, kind + " '" + name + "'");
  }

  private void variable(String variable, String value, String owner) {
    String other = variableOwners.putIfAbsent(variable, owner);
    if (other != null) {
      throw StepException.nonRetryable("step '" + step + "': " + other + " and " + owner + " would both be $"
          + variable + " -- rename one of them");
    }
    variables.put(variable, value);
  }

  /** The {@code PW_*} variables. */
  Map<String, String> variables() {
    return variables;
  }

  /** The value of a placeholder; every one of the arguments was bound. */
  String value(Placeholder placeholder) {
    return values.get(placeholder);
  }

  /**
   * After the script exited with status 0: checks that it wrote every output it was given, hands the value outputs
   * and the metrics it wrote to the context. Every failure here is one line naming the step, and not retried: the
   * script would write the same again.
   *
   * @param what the process in words, {@code python3 eval.py}
   */
  void collect(StepContext ctx, String what) throws IOException {
    for (Map.Entry<String, Path> folder : folderOutputs.entrySet()) {
      if (!hasFiles(folder.getValue())) {
        throw StepException.nonRetryable("step '" + step + "': " + what + " exited with status 0 without writing"
            + " output '" + folder.getKey() + "' -- write its files into the folder that {output:" + folder.getKey()
            + "} and $" + ScriptPlaceholders.variable("output", folder.getKey()) + " name");
      }
    }
    Map<String, Object> written = new LinkedHashMap<>();
    for (Map.Entry<String, Path> file : valueOutputs.entrySet()) {
      String name = file.getKey();
      if (!Files.isRegularFile(file.getValue())) {
        throw StepException.nonRetryable("step '" + step + "': " + what + " exited with status 0 without writing"
            + " output '" + name + "' -- write its value as JSON to the file that {output:" + name + "} and $"
            + ScriptPlaceholders.variable("output", name) + " name");
      }
      written.put(name, read(file.getValue(), "output '" + name + "'"));
    }
    if (Files.exists(metricsFile)) {
      Object metrics = read(metricsFile, "$PW_METRICS_FILE");
      if (!(metrics instanceof Map<?, ?> map)) {
        throw StepException.nonRetryable("step '" + step + "': $PW_METRICS_FILE must hold a JSON object of numbers,"
            + " not " + abbreviate(JSON.writeValueAsString(metrics)));
      }
      for (Map.Entry<?, ?> metric : map.entrySet()) {
        if (!(metric.getValue() instanceof Number number) || !Double.isFinite(number.doubleValue())) {
          throw StepException.nonRetryable("step '" + step + "': $PW_METRICS_FILE must hold a JSON object of"
              + " numbers, but '" + metric.getKey() + "' is " + abbreviate(JSON.writeValueAsString(metric.getValue())));
        }
        ctx.metric((String) metric.getKey(), number.doubleValue());
      }
    }
    written.forEach(ctx::write); // checked against the declared type there
  }

  private Object read(Path file, String what) throws IOException {
    try {
      return JSON.readValue(file.toFile(), Object.class);
    } catch (JsonProcessingException e) {
      throw StepException.nonRetryable("step '" + step + "': " + what + " is not valid JSON: "
          + abbreviate(e.getOriginalMessage()));
    }
  }

  private static boolean hasFiles(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      return walk.anyMatch(Files::isRegularFile);
    }
  }

  static String abbreviate(String text) {
    String line = text == null ? "" : text.strip();
    int newline = line.indexOf('\n');
    if (newline >= 0) {
      line = line.substring(0, newline).strip() + " ...";
    }
    return line.length() <= 200 ? line : line.substring(0, 197) + "...";
  }
}
