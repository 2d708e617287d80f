package io.pipewright.internal.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import io.pipewright.internal.util.FileTrees;
import io.pipewright.internal.util.Json;
import io.pipewright.internal.util.Text;
import io.pipewright.spi.Datastore;
import io.pipewright.spi.Datastores;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;

/**
 * The step runner: runs exactly one attempt of one step in this JVM, as the engine described it. The body gets a
 * step context with the same behaviour as in process; its log lines and metrics go to standard output as JSON lines,
 * as they happen (anything else the body prints there goes to the step's log as text). Exits with 0 once the result
 * is written, whether the body succeeded or not; with 2 when it could not even describe the failure.
 *
 * <ul>
 *   <li>{@code StepRunner STAGING/.runner/attempt.json}: on the engine's machine. Inputs are read in place, the
 *       outputs' files stay in the staging folder, and the rest (values, model metadata, registrations, or the
 *       failure) goes to the result file next to the description.
 *   <li>{@code StepRunner --datastore URI runs/RUN/STEP/ATTEMPT/attempt.json}: anywhere that reaches the workspace's
 *       datastore, which is all it shares with the engine. It reads the description there, fetches its inputs
 *       (checking every file's SHA-256) into a work folder ({@code PIPEWRIGHT_RUNNER_WORK}, or a temporary folder that
 *       it deletes), stores its outputs of files as datastore objects, and puts its result there last. The datastore
 *       is opened with the settings in {@code PIPEWRIGHT_DATASTORE_SETTINGS} (a JSON object, such as
 *       {@code {"connectionString": "..."}}), or none: then the adapter's own environment variables.
 * </ul>
 */
public final class StepRunner {
  /** Settings (a JSON object of strings) to open the workspace's datastore with, for a remote runner. */
  public static final String DATASTORE_SETTINGS = "PIPEWRIGHT_DATASTORE_SETTINGS";
  /** The work folder of a remote runner; a temporary folder when unset. */
  public static final String WORK = "PIPEWRIGHT_RUNNER_WORK";

  private StepRunner() {}

  public static void main(String[] args) {
    PrintStream events = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true,
        StandardCharsets.UTF_8);
    boolean remote = args.length == 3 && args[0].equals("--datastore");
    if (args.length != 1 && !remote) {
      System.err.println("usage: StepRunner ATTEMPT.json | StepRunner --datastore URI KEY");
      System.exit(2);
    }
    // What the body prints is text for the step's log, which must not break the event lines.
    System.setOut(new PrintStream(new Lines(line -> emit(events, RunnerFiles.logEvent("INFO", line))), true,
        StandardCharsets.UTF_8));
    int status;
    try {
      if (remote) {
        runRemote(args[1], args[2], events);
      } else {
        run(Path.of(args[0]), events);
      }
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
    checkFormat(d, descriptionFile.toString());
    RunnerFiles.writeResult(Path.of(d.get("result").asText()), guarded(() -> attempt(d, events)));
  }

  /** Runs an attempt described in a datastore, exchanging everything with the engine through it. */
  static void runRemote(String location, String key, PrintStream events) throws Exception {
    String env = System.getenv(WORK);
    Path work = env != null && !env.isBlank() ? Files.createDirectories(Path.of(env))
        : Files.createTempDirectory("pipewright-runner-");
    ExecutorService transfers = Executors.newFixedThreadPool(8, r -> {
      Thread t = new Thread(r, "pipewright-runner-transfer");
      t.setDaemon(true);
      return t;
    });
    try (Datastore datastore = Datastores.open(location, datastoreSettings())) {
      String folder = key.substring(0, key.lastIndexOf('/') + 1);
      ObjectNode d;
      try (InputStream in = datastore.read(key)) {
        d = (ObjectNode) Json.MAPPER.readTree(in);
      }
      checkFormat(d, datastore.uri() + " " + key);
      OutputStore outputs = new OutputStore(work, work.resolve("tmp"),
          FileHasher.builder(ForkJoinPool.commonPool()).build());
      outputs.mirrorTo(new RemoteObjects(datastore, transfers));
      Path staging = work.resolve("staging");
      RunnerFiles.Result outcome = guarded(() -> {
        localize(d, folder, datastore, outputs, work, staging);
        RunnerFiles.Result result = attempt(d, events);
        return result.succeeded() ? result.withStored(storeFiles(d, staging, result, outputs)) : result;
      });
      Path result = work.resolve("result.json");
      RunnerFiles.writeResult(result, outcome);
      datastore.upload(folder + "result.json", result);
    } finally {
      transfers.shutdownNow();
      if (env == null || env.isBlank()) {
        FileTrees.deleteRecursively(work);
      }
    }
  }

  private static void checkFormat(JsonNode d, String where) {
    if (d.path("format").asInt() != RunnerFiles.FORMAT) {
      throw new IllegalArgumentException(where + ": format " + d.path("format") + " is not " + RunnerFiles.FORMAT);
    }
  }

  private static Map<String, String> datastoreSettings() throws java.io.IOException {
    String json = System.getenv(DATASTORE_SETTINGS);
    if (json == null || json.isBlank()) {
      return Map.of();
    }
    try {
      return Json.MAPPER.readValue(json, new com.fasterxml.jackson.core.type.TypeReference<Map<String, String>>() {});
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      // never the value: it holds credentials
      throw new IllegalArgumentException(DATASTORE_SETTINGS + " is not a JSON object of strings");
    }
  }

  /**
   * Fills a remote description with this machine's paths: the work folder's store, staging and body, and each input
   * fetched from the datastore into the store by its content hash.
   */
  private static void localize(ObjectNode d, String folder, Datastore datastore, OutputStore outputs, Path work,
      Path staging) throws Exception {
    d.put("objects", outputs.objectsFolder().toString());
    d.put("tmp", outputs.stagingFolder().toString());
    d.put("staging", Files.createDirectories(staging).toString());
    JsonNode body = d.get("body");
    if (body.has("serialized")) {
      Path file = work.resolve("body.ser");
      datastore.download(folder + body.get("serialized").asText(), file);
      ((ObjectNode) body).put("serialized", file.toString());
    }
    for (var entry : d.path("inputs").properties()) {
      ObjectNode i = (ObjectNode) entry.getValue();
      if (!i.has("type")) {
        fetchExternal(i, "input '" + entry.getKey() + "'", datastore, outputs);
      } else if (OutputTypes.isFiles(Class.forName(i.get("type").asText()))) { // a value: the description holds it
        StoredOutput fetched = fetch(i, "input '" + entry.getKey() + "'", datastore, outputs);
        i.put("location", fetched.dir().toString());
        i.put("manifest", fetched.manifest().toString());
      }
    }
    if (d.has("source")) {
      fetchExternal((ObjectNode) d.get("source"), "the source folder", datastore, outputs);
    }
  }

  private static void fetchExternal(ObjectNode i, String what, Datastore datastore, OutputStore outputs) {
    StoredOutput fetched = fetch(i, what, datastore, outputs);
    i.put("root", fetched.dir().toString());
    i.put("location", fetched.dir().resolve(i.get("relative").asText()).toString());
  }

  private static StoredOutput fetch(JsonNode i, String what, Datastore datastore, OutputStore outputs) {
    String hash = i.get("contentHash").asText();
    Optional<StoredOutput> found;
    try {
      found = outputs.loadOrFetch(hash);
    } catch (RuntimeException e) {
      throw new StepException(what + " could not be fetched: "
          + (e.getMessage() != null ? e.getMessage() : Text.oneLine(e)), e);
    }
    return found.orElseThrow(() -> new StepException(what + " (" + hash + ") is not in " + datastore.uri()
        + ", or not intact"));
  }

  /** Stores the outputs of files the body left in staging as datastore objects; returns their content hashes. */
  private static Map<String, String> storeFiles(JsonNode d, Path staging, RunnerFiles.Result result,
      OutputStore outputs) throws Exception {
    Map<String, String> stored = new LinkedHashMap<>();
    for (var o : d.path("outputs").properties()) {
      Class<?> type = Class.forName(o.getValue().asText());
      Path dir = staging.resolve(o.getKey());
      if (OutputTypes.isFiles(type) && Files.isDirectory(dir)) {
        StoredOutput output = outputs.commitFiles(type, dir, outputs.manifest(dir),
            result.metadata().getOrDefault(o.getKey(), Map.of()));
        outputs.publish(output);
        stored.put(o.getKey(), output.contentHash());
      }
    }
    return stored;
  }

  private interface Attempted {
    RunnerFiles.Result run() throws Exception;
  }

  /** What the attempt gave, or its failure as a result; errors of the JVM itself are thrown. */
  private static RunnerFiles.Result guarded(Attempted attempted) throws Exception {
    try {
      return attempted.run();
    } catch (Throwable t) {
      if (t instanceof VirtualMachineError && !(t instanceof StackOverflowError)) {
        throw t;
      }
      StringWriter trace = new StringWriter();
      t.printStackTrace(new PrintWriter(trace));
      return RunnerFiles.Result.failed(Text.oneLine(t), !(t instanceof StepException se) || se.retryable(),
          trace.toString());
    }
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
    ExternalInput source = d.has("source") ? (ExternalInput) RunnerFiles.input(d.get("source")) : null;
    StepContextImpl ctx = new StepContextImpl(d.get("runId").asText(), step, d.get("attempt").asInt(), fingerprint,
        parameters, inputs, source, () -> staging, store, reporter, new ComputedUnits());
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
    return new RunnerFiles.Result(true, null, true, null, values, metadata, ctx.keptFromReuse(), ctx.registrations(),
        Map.of());
  }

  /**
   * The step as declared, rebuilt from the description: what {@code ctx.step()} shows the body. Everything but its
   * conditions, which the engine checked before the attempt started.
   */
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
    b.on(d.get("target").asText()).allowReuse(d.get("allowReuse").asBoolean());
    JsonNode needs = d.get("resources");
    b.resources(r -> new io.pipewright.Resources(needs.get("cpus").asInt(), needs.get("memoryBytes").asLong(),
        needs.get("gpus").asInt()));
    if (d.has("timeoutMillis")) {
      b.timeout(java.time.Duration.ofMillis(d.get("timeoutMillis").asLong()));
    }
    JsonNode retry = d.get("retry");
    b.retry(new io.pipewright.RetryPolicy(retry.get("maxRetries").asInt(),
        java.time.Duration.ofMillis(retry.get("initialBackoffMillis").asLong()), retry.get("multiplier").asDouble(),
        java.time.Duration.ofMillis(retry.get("maxBackoffMillis").asLong())));
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
