package io.pipewright.steps;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pipewright.Dataset;
import io.pipewright.Model;
import io.pipewright.Step;
import io.pipewright.StepContext;
import io.pipewright.StepException;
import io.pipewright.StepInput;
import io.pipewright.steps.ScriptPlaceholders.Located;
import io.pipewright.steps.ScriptPlaceholders.Placeholder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What a script's placeholders and {@code PW_*} variables stand for in one attempt (of the step, or of one partition),
 * and, once the script exited, the taking over of what it wrote: value outputs and metrics from their JSON files.
 *
 * <p>The step's declarations ({@link StepContext#step()}) say what there is: every input, every output and every
 * parameter the step uses gets its variable. A Dataset or Model is a folder; a Metrics or JSON value is a JSON file.
 */
final class ScriptBindings {
  static final ObjectMapper JSON = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  /**
   * A script run for one partition of a {@link Parallel} step.
   *
   * @param input the partitioned input: the script reads its partition, not the whole input
   * @param into the gathered output: the script writes into {@code outputDir}, the partition's folder
   */
  record PerPartition(Partition partition, Path outputDir, String input, String into) {}

  /** How failures start: {@code step 'prep': }, or nothing for a partition (its failure names the partition). */
  private final String culprit;
  private final Map<Placeholder, String> values = new HashMap<>();
  private final Map<String, String> variables = new LinkedHashMap<>();
  private final Map<String, String> variableOwners = new HashMap<>();
  private final Map<String, Path> folderOutputs = new LinkedHashMap<>();
  private final Map<String, Path> valueOutputs = new LinkedHashMap<>();
  private final Path metricsFile;

  private ScriptBindings(String culprit, Path metricsFile) {
    this.culprit = culprit;
    this.metricsFile = metricsFile;
  }

  /**
   * Refuses, where a Parallel step is declared, the placeholders a script per partition cannot have: the partitioned
   * input (a partition reads its own file) and any output but the gathered one.
   *
   * @throws IllegalArgumentException naming the argument and the placeholder
   */
  static void checkPerPartition(List<String> arguments, String input, String into) {
    for (Located at : ScriptPlaceholders.placeholders(arguments)) {
      Placeholder p = at.placeholder();
      if (p.kind().equals("input") && p.name().equals(input)) {
        throw new IllegalArgumentException("argument " + at.argument() + ": placeholder " + p + " is the"
            + " partitioned input: a script per partition reads its partition, {partition}");
      }
      if (p.kind().equals("output") && !p.name().equals(into)) {
        throw new IllegalArgumentException("argument " + at.argument() + ": placeholder " + p + " is not the"
            + " gathered output: a script per partition writes its results into {output:" + into + "}");
      }
    }
  }

  /**
   * Checks that every placeholder names an input, output or parameter the step has, failing with one line that
   * names the step, the placeholder and its argument; nothing is written. Run before anything starts.
   *
   * @param perPartition whether the script runs per partition (only then may it use partition placeholders)
   */
  static void check(StepContext ctx, List<String> arguments, boolean perPartition) {
    Step step = ctx.step();
    String culprit = "step '" + step.name() + "': ";
    for (Located at : ScriptPlaceholders.placeholders(arguments)) {
      Placeholder p = at.placeholder();
      String where = "placeholder " + p + " in argument " + at.argument();
      switch (p.kind()) {
        case "input" -> {
          if (!step.inputs().containsKey(p.name())) {
            throw StepException.nonRetryable(culprit + where + " names no input of the step (inputs: "
                + names(step.inputs().keySet()) + ")");
          }
        }
        case "output" -> {
          if (!step.outputs().containsKey(p.name())) {
            throw StepException.nonRetryable(culprit + where + " names no output of the step (outputs: "
                + names(step.outputs().keySet()) + ")");
          }
        }
        case "param" -> ctx.param(p.name()); // fails, saying to declare it with uses(...), unless the step uses it
        default -> {
          if (!perPartition) {
            throw StepException.nonRetryable(culprit + where + " is for a script run per partition -- run it with"
                + " Parallel.over(input).into(output).apply(script)");
          }
        }
      }
    }
  }

  /**
   * Resolves every placeholder of {@code arguments} and every variable, after {@link #check}. Writes value inputs to
   * JSON files in the context's scratch folder.
   *
   * @param partition the partition the script runs for, or null when it is the step's body
   */
  static ScriptBindings bind(StepContext ctx, List<String> arguments, PerPartition partition) throws IOException {
    Step step = ctx.step();
    Path scratch = ctx.tempDir();
    ScriptBindings bindings = new ScriptBindings(partition == null ? "step '" + step.name() + "': " : "",
        scratch.resolve("metrics.json"));
    bindings.variable("PW_RUN_ID", ctx.runId(), "the run id");
    bindings.variable("PW_STEP", step.name(), "the step name");
    bindings.variable("PW_ATTEMPT", Integer.toString(ctx.attempt()), "the attempt");
    bindings.variable("PW_METRICS_FILE", bindings.metricsFile.toString(), "the metrics file");
    for (Map.Entry<String, StepInput> input : step.inputs().entrySet()) {
      if (partition == null || !input.getKey().equals(partition.input())) {
        bindings.bind("input", input.getKey(), inputPath(ctx, input.getKey(), input.getValue(), scratch).toString());
      }
    }
    for (String param : step.parameters()) {
      Object value = ctx.param(param);
      bindings.bind("param", param, value == null ? "" : String.valueOf(value));
    }
    if (partition == null) {
      for (Map.Entry<String, Class<?>> output : step.outputs().entrySet()) {
        bindings.output(ctx, output.getKey(), output.getValue(), scratch);
      }
    } else {
      Partition p = partition.partition();
      bindings.bind("output", partition.into(), partition.outputDir().toString());
      bindings.bind(Placeholder.PARTITION_FILE, p.file().toString(), "the partition's file");
      bindings.bind(new Placeholder(ScriptPlaceholders.PARTITION, "name"), p.name(), "the partition's name");
      bindings.bind(new Placeholder(ScriptPlaceholders.PARTITION, "index"), Integer.toString(p.index()),
          "the partition's index");
    }
    return bindings;
  }

  /** The folder or file of an input; a Metrics or JSON value input is written to a JSON file first. */
  private static Path inputPath(StepContext ctx, String name, StepInput input, Path scratch) throws IOException {
    if (input instanceof StepInput.Upstream upstream && !isFolder(upstream.output().type())) {
      Object value = ctx.value(name, Object.class); // a Metrics input reads as its JSON object of numbers
      Path file = Files.createDirectories(scratch.resolve("inputs")).resolve(name + ".json");
      JSON.writeValue(file.toFile(), value);
      return file;
    }
    return ctx.input(name);
  }

  /** Whether outputs of this type are folders of files; the others are JSON values. */
  private static boolean isFolder(Class<?> type) {
    return type == Dataset.class || type == Model.class;
  }

  private void output(StepContext ctx, String name, Class<?> type, Path scratch) throws IOException {
    if (isFolder(type)) {
      Path folder = ctx.outputDir(name);
      folderOutputs.put(name, folder);
      bind("output", name, folder.toString());
      return;
    }
    Path file = Files.createDirectories(scratch.resolve("outputs")).resolve(name + ".json");
    valueOutputs.put(name, file);
    bind("output", name, file.toString());
  }

  private void bind(String kind, String name, String value) {
    bind(new Placeholder(kind, name), value, kind + " '" + name + "'");
  }

  private void bind(Placeholder placeholder, String value, String owner) {
    values.put(placeholder, value);
    variable(ScriptPlaceholders.variable(placeholder), value, owner);
  }

  private void variable(String variable, String value, String owner) {
    String other = variableOwners.putIfAbsent(variable, owner);
    if (other != null) {
      throw StepException.nonRetryable(culprit + other + " and " + owner + " would both be $" + variable
          + " -- rename one of them");
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
   * After the script exited with status 0: checks that it wrote every output of the step (a partition may write
   * nothing), hands the value outputs and the metrics it wrote to the context. Every failure here is one line, and not
   * retried: the script would write the same again.
   *
   * @param what the process in words, {@code python3 eval.py}
   */
  void collect(StepContext ctx, String what) throws IOException {
    for (Map.Entry<String, Path> folder : folderOutputs.entrySet()) {
      if (!hasFiles(folder.getValue())) {
        throw StepException.nonRetryable(culprit + what + " exited with status 0 without writing output '"
            + folder.getKey() + "' -- write its files into the folder that {output:" + folder.getKey() + "} and $"
            + ScriptPlaceholders.variable("output", folder.getKey()) + " name");
      }
    }
    Map<String, Object> written = new LinkedHashMap<>();
    for (Map.Entry<String, Path> file : valueOutputs.entrySet()) {
      String name = file.getKey();
      if (!Files.isRegularFile(file.getValue())) {
        throw StepException.nonRetryable(culprit + what + " exited with status 0 without writing output '" + name
            + "' -- write its value as JSON to the file that {output:" + name + "} and $"
            + ScriptPlaceholders.variable("output", name) + " name");
      }
      written.put(name, read(file.getValue(), "output '" + name + "'"));
    }
    if (Files.exists(metricsFile)) {
      Object metrics = read(metricsFile, "$PW_METRICS_FILE");
      if (!(metrics instanceof Map<?, ?> map)) {
        throw StepException.nonRetryable(culprit + "$PW_METRICS_FILE must hold a JSON object of numbers, not "
            + abbreviate(JSON.writeValueAsString(metrics)));
      }
      for (Map.Entry<?, ?> metric : map.entrySet()) {
        if (!(metric.getValue() instanceof Number number) || !Double.isFinite(number.doubleValue())) {
          throw StepException.nonRetryable(culprit + "$PW_METRICS_FILE must hold a JSON object of numbers, but '"
              + metric.getKey() + "' is " + abbreviate(JSON.writeValueAsString(metric.getValue())));
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
      throw StepException.nonRetryable(culprit + what + " is not valid JSON: " + abbreviate(e.getOriginalMessage()));
    }
  }

  private static boolean hasFiles(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      return walk.anyMatch(Files::isRegularFile);
    }
  }

  private static String names(Collection<String> names) {
    return names.isEmpty() ? "none" : String.join(", ", names);
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
