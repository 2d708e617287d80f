package io.pipewright.internal.engine;

import com.fasterxml.jackson.databind.JsonNode;
import io.pipewright.Fingerprint;
import io.pipewright.Output;
import io.pipewright.Pipeline;
import io.pipewright.Step;
import io.pipewright.StepBody;
import io.pipewright.StepBuilder;
import io.pipewright.StepException;
import io.pipewright.StepInput;
import io.pipewright.StepKind;
import io.pipewright.WorkUnits;
import io.pipewright.internal.hash.FileHasher;
import io.pipewright.internal.util.Json;
import io.pipewright.internal.util.Text;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ForkJoinPool;

/**
 * The step runner: runs exactly one attempt of one step in this JVM, as described by the file the engine wrote
 * ({@code java -cp CLASSPATH io.pipewright.internal.engine.StepRunner STAGING/.runner/attempt.json}). The body gets a
 * step context with the same behaviour as in process; its log lines and metrics go to standard output as JSON lines,
 * as they happen (anything else the body prints there goes to the step's log as text); its files stay in the staging
 * folder, and the rest (values, model metadata, registrations, or its failure) goes to the result file. Exits with 0
 * once the result is written, whether the body succeeded or not; with 2 when it could not even describe the failure.
 */
public final class StepRunner {
  private StepRunner() {}

  public static void main(String[] args) {
    PrintStream events = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true,
        StandardCharsets.UTF_8);
    if (args.length != 1) {
      System.err.println("usage: StepRunner ATTEMPT.json");
      System.exit(2);
    }
    // What the body prints is text for the step's log, which must not break the event lines.
    System.setOut(new PrintStream(new Lines(line -> emit(events, RunnerFiles.logEvent("INFO", line))), true,
        StandardCharsets.UTF_8));
    int status;
    try {
      run(Path.of(args[0]), events);
      status = 0;
    } catch (Throwable t) {
      System.err.println("pipewright step runner: " + t);
      t.printStackTrace();
      status = 2;
    }
    System.out.flush();
    events.flush();
    System.exit(status); // threads the body left running must not keep the attempt alive
  }

  private static void emit(PrintStream events, String line) {
    synchronized (events) {
      events.println(line);
    }
  }

  static void run(Path descriptionFile, PrintStream events) throws Exception {
    JsonNode d = Json.MAPPER.readTree(descriptionFile.toFile());
    if (d.path("format").asInt() != RunnerFiles.FORMAT) {
      throw new IllegalArgumentException(descriptionFile + ": format " + d.path("format") + " is not "
          + RunnerFiles.FORMAT);
    }
    Path result = Path.of(d.get("result").asText());
    RunnerFiles.Result outcome;
    try {
      outcome = attempt(d, events);
    } catch (Throwable t) {
      if (t instanceof VirtualMachineError && !(t instanceof StackOverflowError)) {
        throw t;
      }
      StringWriter trace = new StringWriter();
      t.printStackTrace(new PrintWriter(trace));
      outcome = new RunnerFiles.Result(false, Text.oneLine(t),
          !(t instanceof StepException se) || se.retryable(), trace.toString(), Map.of(), Map.of(), null, List.of());
    }
    RunnerFiles.writeResult(result, outcome);
  }

  private static RunnerFiles.Result attempt(JsonNode d, PrintStream events) throws Exception {
    Step step = step(d);
    Map<String, Object> parameters = new HashMap<>();
    for (var p : d.path("parameters").properties()) {
      parameters.put(p.getKey(), RunnerFiles.parameter(p.getValue()));
    }
    Map<String, Object> inputs = new HashMap<>();
    for (var i : d.path("inputs").properties()) {
      inputs.put(i.getKey(), RunnerFiles.input(i.getValue()));
    }
    List<Fingerprint.Component> components = new ArrayList<>();
    d.path("fingerprint").path("components").forEach(c -> components.add(new Fingerprint.Component(
        c.get("name").asText(), c.get("value").asText())));
    Fingerprint fingerprint = new Fingerprint(d.path("fingerprint").path("hash").asText(), components);
    Path staging = Path.of(d.get("staging").asText());
    Path objects = Path.of(d.get("objects").asText());
    OutputStore store = new OutputStore(objects.getParent(), Path.of(d.get("tmp").asText()),
        FileHasher.builder(ForkJoinPool.commonPool()).build());
    StepContextImpl.Reporter reporter = new StepContextImpl.Reporter() {
      @Override
      public void metric(String name, double value) {
        emit(events, RunnerFiles.metricEvent(name, value));
      }

      @Override
      public void log(String level, String message) {
        emit(events, RunnerFiles.logEvent(level, message));
      }
    };
    StepContextImpl ctx = new StepContextImpl(d.get("runId").asText(), step, d.get("attempt").asInt(), fingerprint,
        parameters, inputs, null, () -> staging, store, reporter, new ComputedUnits());
    step.newBody().run(ctx);
    Map<String, JsonNode> values = new LinkedHashMap<>();
    Map<String, Map<String, Object>> metadata = new LinkedHashMap<>();
    ctx.written().forEach((name, output) -> {
      if (output.value() != null) {
        values.put(name, output.value());
      } else if (!output.metadata().isEmpty()) {
        metadata.put(name, output.metadata());
      }
    });
    return new RunnerFiles.Result(true, null, true, null, values, metadata, ctx.keptFromReuse(), ctx.registrations());
  }

  /** The step as declared, rebuilt from the description: what {@code ctx.step()} shows the body. */
  private static Step step(JsonNode d) throws Exception {
    Pipeline pipeline = Pipeline.named(d.get("pipeline").asText());
    StepBuilder b = pipeline.step(d.get("step").asText(), StepKind.valueOf(d.get("kind").asText()));
    for (var i : d.path("inputs").properties()) {
      JsonNode declared = i.getValue().get("declared");
      if (declared.has("step")) {
        b.input(i.getKey(), output(declared.get("step").asText(), declared.get("output").asText(),
            Class.forName(declared.get("type").asText())));
      } else if (declared.has("path")) {
        b.input(i.getKey(), Path.of(declared.get("path").asText()));
      } else if (declared.has("uri")) {
        b.input(i.getKey(), URI.create(declared.get("uri").asText()));
      } else {
        b.input(i.getKey(), new StepInput.DatasetParameter(declared.get("parameter").asText()));
      }
    }
    for (var o : d.path("outputs").properties()) {
      b.produces(o.getKey(), Class.forName(o.getValue().asText()));
    }
    List<String> used = new ArrayList<>();
    d.path("parameters").fieldNames().forEachRemaining(used::add);
    b.uses(used.toArray(String[]::new));
    if (d.hasNonNull("version")) {
      b.version(d.get("version").asText());
    }
    JsonNode body = d.get("body");
    if (body.has("class")) {
      return b.runs(Class.forName(body.get("class").asText()).asSubclass(StepBody.class));
    }
    try (InputStream in = Files.newInputStream(Path.of(body.get("serialized").asText()));
        ObjectInputStream objects = new ObjectInputStream(in)) {
      return b.runs((StepBody) objects.readObject());
    }
  }

  private static <T> Output<T> output(String step, String name, Class<T> type) {
    return new Output<>(step, name, type);
  }

  /** Out of process, work units are computed every time: none is found, and storing one leaves it where it is. */
  private static final class ComputedUnits implements WorkUnits {
    @Override
    public Optional<Path> find(String key) {
      return Optional.empty();
    }

    @Override
    public Path store(String key, Path folder) {
      return folder;
    }
  }

  /** An output stream that hands over each line written to it. */
  private static final class Lines extends OutputStream {
    private final java.util.function.Consumer<String> sink;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    Lines(java.util.function.Consumer<String> sink) {
      this.sink = sink;
    }

    @Override
    public synchronized void write(int b) {
      if (b == '\n') {
        flushLine();
      } else {
        line.write(b);
      }
    }

    @Override
    public synchronized void flush() {
      // a partial line waits for its end, or for close
    }

    @Override
    public synchronized void close() {
      flushLine();
    }

    private void flushLine() {
      if (line.size() > 0) {
        String text = line.toString(StandardCharsets.UTF_8);
        line.reset();
        sink.accept(text.endsWith("\r") ? text.substring(0, text.length() - 1) : text);
      }
    }
  }

}
