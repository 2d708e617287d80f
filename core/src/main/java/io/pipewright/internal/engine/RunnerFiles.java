package io.pipewright.internal.engine;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pipewright.DataFile;
import io.pipewright.Dataset;
import io.pipewright.Fingerprint;
import io.pipewright.ModelOptions;
import io.pipewright.Step;
import io.pipewright.StepBody;
import io.pipewright.StepInput;
import io.pipewright.internal.util.Json;
import java.io.IOException;
import java.io.Serializable;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The files the engine and the step runner exchange, in JSON: the description of an attempt (written by the engine,
 * read by the runner), the events the runner prints on its standard output, and the result it leaves. Locations are
 * local paths for a runner on this machine. For a runner on another machine ({@link #describe} with {@code remote}),
 * the description has no local paths: inputs are named by content hash only, as objects of the workspace's
 * datastore, and the description, the body and the result travel through the datastore as well:
 *
 * <pre>
 * STAGING/.runner/attempt.json   the description (format 1)        runs/RUN/STEP/ATTEMPT/attempt.json
 * STAGING/.runner/body.ser       a Serializable body, serialised   runs/RUN/STEP/ATTEMPT/body.ser
 * STAGING/.runner/result.json    the result, written last          runs/RUN/STEP/ATTEMPT/result.json
 * </pre>
 *
 * A remote runner stores its outputs of files as objects of the datastore itself, and its result names them by
 * content hash ({@code stored}).
 */
final class RunnerFiles {
  static final int FORMAT = 1;
  /** Lines of the runner's standard output that carry an event start with this; any other line is printed text. */
  static final String EVENT = "{\"pipewright\":";
  private static final TypeReference<List<DataFile>> FILES = new TypeReference<>() {};
  private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};

  private RunnerFiles() {}

  static Path folder(Path staging) {
    return staging.resolve(".runner");
  }

  static Path resultFile(Path staging) {
    return folder(staging).resolve("result.json");
  }

  /** The datastore folder (a key prefix, ending with {@code /}) of an attempt run by a remote runner. */
  static String remoteFolder(String runId, String step, int attempt) {
    return "runs/" + runId + "/" + step + "/" + attempt + "/";
  }

  /**
   * Why the step runner could not recreate a step's body in another JVM, or empty when it can: a body class, or an
   * instance that is {@link Serializable}.
   */
  static Optional<String> unrunnable(Step step) {
    Optional<StepBody> instance = step.bodyInstance();
    if (instance.isPresent()) {
      return instance.get() instanceof Serializable ? Optional.empty() : Optional.of("not Serializable");
    }
    Class<?> type = step.bodyType();
    if (type == null || type.isSynthetic() || type.isAnonymousClass() || type.isLocalClass()
        || type.isMemberClass() && !Modifier.isStatic(type.getModifiers())) {
      return Optional.of("not a class the runner can load");
    }
    return Optional.empty();
  }

  // ------------------------------------------------------------------ the description

  /**
   * Writes the description of one attempt into its staging folder; returns the file.
   *
   * @param source the hashed source folder of a {@link io.pipewright.SourceFolder} body, or null
   * @param remote for a runner on another machine: no local paths, and the body named relative to the description
   */
  static Path describe(String runId, String pipeline, Step step, int attempt, Fingerprint fingerprint,
      Map<String, Object> parameters, Map<String, Object> inputs, ExternalInput source, Path staging,
      OutputStore outputs, boolean remote) throws IOException {
    Path folder = Files.createDirectories(folder(staging));
    ObjectNode d = Json.MAPPER.createObjectNode();
    d.put("format", FORMAT);
    if (!remote) {
      d.put("objects", outputs.objectsFolder().toString());
      d.put("tmp", outputs.stagingFolder().toString());
    }
    d.put("runId", runId);
    d.put("pipeline", pipeline);
    d.put("step", step.name());
    d.put("kind", step.kind().name());
    d.put("attempt", attempt);
    step.version().ifPresent(v -> d.put("version", v));
    d.put("target", step.target());
    d.put("allowReuse", step.allowReuse());
    d.putObject("resources").put("cpus", step.resources().cpus()).put("memoryBytes", step.resources().memoryBytes())
        .put("gpus", step.resources().gpus());
    step.timeout().ifPresent(t -> d.put("timeoutMillis", t.toMillis()));
    d.putObject("retry").put("maxRetries", step.retry().maxRetries())
        .put("initialBackoffMillis", step.retry().initialBackoff().toMillis())
        .put("multiplier", step.retry().multiplier())
        .put("maxBackoffMillis", step.retry().maxBackoff().toMillis());
    ObjectNode body = d.putObject("body");
    if (step.bodyInstance().isPresent()) {
      Path file = folder.resolve("body.ser");
      try (var out = new java.io.ObjectOutputStream(Files.newOutputStream(file))) {
        out.writeObject(step.bodyInstance().get());
      }
      body.put("serialized", remote ? file.getFileName().toString() : file.toString());
    } else {
      body.put("class", step.bodyType().getName());
    }
    ObjectNode params = d.putObject("parameters");
    for (String name : step.parameters()) {
      Object value = parameters.get(name);
      ObjectNode p = params.putObject(name);
      p.put("type", value == null ? null : value.getClass().getName());
      p.set("value", Json.MAPPER.valueToTree(value));
    }
    ObjectNode in = d.putObject("inputs");
    step.inputs().forEach((name, declared) -> {
      ObjectNode i = in.putObject(name);
      i.set("declared", declaredInput(declared));
      Object input = inputs.get(name);
      if (input instanceof StoredOutput s) {
        i.put("contentHash", s.contentHash());
        i.put("type", s.type().getName());
        if (s.dir() != null && !remote) {
          i.put("location", s.dir().toString());
        }
        i.set("files", Json.MAPPER.valueToTree(s.files()));
        i.set("metadata", Json.MAPPER.valueToTree(s.metadata()));
        i.set("value", s.value());
        i.put("manifest", s.manifest() == null || remote ? null : s.manifest().toString());
      } else {
        external(i, (ExternalInput) input, remote);
      }
    });
    if (source != null) {
      external(d.putObject("source"), source, remote);
    }
    ObjectNode out = d.putObject("outputs");
    step.outputs().forEach((name, type) -> out.put(name, type.getName()));
    if (!remote) {
      d.put("staging", staging.toString());
      d.put("result", resultFile(staging).toString());
    }
    ObjectNode fp = d.putObject("fingerprint");
    fp.put("hash", fingerprint.hash());
    ArrayNode components = fp.putArray("components");
    fingerprint.components().forEach(c -> components.addObject().put("name", c.name()).put("value", c.value()));
    Path file = folder.resolve("attempt.json");
    Files.writeString(file, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(d));
    return file;
  }

  /** A file or folder read in place: by path here; by content hash, fetched as a Dataset object, elsewhere. */
  private static void external(ObjectNode i, ExternalInput e, boolean remote) {
    i.put("contentHash", e.contentHash());
    if (remote) { // where it lies in the Dataset object it is fetched as
      i.put("relative", e.dataset().root().relativize(e.path()).toString());
    } else {
      i.put("location", e.path().toString());
      i.put("root", e.dataset().root().toString());
    }
    i.set("files", Json.MAPPER.valueToTree(e.dataset().files()));
  }

  private static JsonNode declaredInput(StepInput input) {
    ObjectNode n = Json.MAPPER.createObjectNode();
    if (input instanceof StepInput.Upstream u) {
      n.put("step", u.output().step()).put("output", u.output().name()).put("type", u.output().type().getName());
    } else if (input instanceof StepInput.External e) {
      n.put("path", e.path().toString());
    } else if (input instanceof StepInput.Remote r) {
      n.put("uri", r.location().toString());
    } else {
      n.put("parameter", ((StepInput.DatasetParameter) input).parameter());
    }
    return n;
  }

  /** An input as the runner sees it: a stored output, or an external file or folder. */
  static Object input(JsonNode i) throws ClassNotFoundException {
    List<DataFile> files = Json.MAPPER.convertValue(i.get("files"), FILES);
    if (i.has("type")) {
      JsonNode location = i.get("location");
      JsonNode manifest = i.get("manifest");
      JsonNode value = i.get("value");
      return new StoredOutput(i.get("contentHash").asText(), Class.forName(i.get("type").asText()),
          location == null ? null : Path.of(location.asText()), files,
          Json.MAPPER.convertValue(i.get("metadata"), MAP), value == null || value.isNull() ? null : value,
          manifest == null || manifest.isNull() ? null : Path.of(manifest.asText()));
    }
    return new ExternalInput(Path.of(i.get("location").asText()), new Dataset(Path.of(i.get("root").asText()), files),
        i.get("contentHash").asText());
  }

  static Object parameter(JsonNode p) throws IOException, ClassNotFoundException {
    JsonNode type = p.get("type");
    if (type == null || type.isNull()) {
      return null;
    }
    return Json.MAPPER.treeToValue(p.get("value"), Class.forName(type.asText()));
  }

  // ------------------------------------------------------------------ events

  static String metricEvent(String name, double value) {
    ObjectNode e = Json.MAPPER.createObjectNode();
    e.put("pipewright", "metric").put("name", name).put("value", value);
    return Json.write(e);
  }

  static String logEvent(String level, String message) {
    ObjectNode e = Json.MAPPER.createObjectNode();
    e.put("pipewright", "log").put("level", level).put("message", message);
    return Json.write(e);
  }

  // ------------------------------------------------------------------ the result

  /** What the step runner leaves: the body's failure, or what it wrote besides the files. */
  record Result(boolean succeeded, String error, boolean retryable, String trace, Map<String, JsonNode> values,
      Map<String, Map<String, Object>> metadata, String keptFromReuse,
      List<StepContextImpl.ModelRegistration> registrations, Map<String, String> stored) {
    static Result failed(String error, boolean retryable, String trace) {
      return new Result(false, error, retryable, trace, Map.of(), Map.of(), null, List.of(), Map.of());
    }

    /** This result, with outputs of files stored by a remote runner as datastore objects (name to content hash). */
    Result withStored(Map<String, String> hashes) {
      return new Result(succeeded, error, retryable, trace, values, metadata, keptFromReuse, registrations, hashes);
    }
  }

  static void writeResult(Path file, Result result) throws IOException {
    ObjectNode r = Json.MAPPER.createObjectNode();
    r.put("format", FORMAT);
    r.put("succeeded", result.succeeded());
    if (!result.succeeded()) {
      r.put("error", result.error()).put("retryable", result.retryable()).put("trace", result.trace());
    } else {
      ObjectNode values = r.putObject("values");
      result.values().forEach(values::set);
      r.set("metadata", Json.MAPPER.valueToTree(result.metadata()));
      r.put("keptFromReuse", result.keptFromReuse());
      r.set("stored", Json.MAPPER.valueToTree(result.stored()));
      ArrayNode registrations = r.putArray("registrations");
      for (StepContextImpl.ModelRegistration m : result.registrations()) {
        registrations.addObject().put("name", m.name()).put("inputOrOutput", m.inputOrOutput())
            .put("output", m.output()).set("options", Json.MAPPER.valueToTree(m.options()));
      }
    }
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, Json.write(r));
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  static Optional<Result> readResult(Path file) throws IOException {
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    JsonNode r = Json.MAPPER.readTree(file.toFile());
    if (!r.path("succeeded").asBoolean()) {
      return Optional.of(Result.failed(r.path("error").asText(), r.path("retryable").asBoolean(true),
          r.path("trace").asText("")));
    }
    Map<String, JsonNode> values = new LinkedHashMap<>();
    r.path("values").properties().forEach(e -> values.put(e.getKey(), e.getValue()));
    Map<String, Map<String, Object>> metadata = Json.MAPPER.convertValue(r.path("metadata"),
        new TypeReference<Map<String, Map<String, Object>>>() {});
    List<StepContextImpl.ModelRegistration> registrations = new java.util.ArrayList<>();
    for (JsonNode m : r.path("registrations")) {
      registrations.add(new StepContextImpl.ModelRegistration(m.get("name").asText(), m.get("inputOrOutput").asText(),
          m.get("output").asBoolean(), Json.MAPPER.treeToValue(m.get("options"), ModelOptions.class)));
    }
    JsonNode kept = r.get("keptFromReuse");
    Map<String, String> stored = new LinkedHashMap<>();
    r.path("stored").properties().forEach(e -> stored.put(e.getKey(), e.getValue().asText()));
    return Optional.of(new Result(true, null, true, null, values, metadata,
        kept == null || kept.isNull() ? null : kept.asText(), registrations, stored));
  }
}
