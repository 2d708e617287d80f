package io.pipewright.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pipewright.Run;
import io.pipewright.RunEvent;
import io.pipewright.StepRun;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.TreeMap;

/**
 * The {@code --json} form of the commands' results: one object per command, with a stable shape for scripts. Fields
 * that do not apply are {@code null} rather than absent; non-ASCII text is escaped, so the output reads the same
 * whatever the terminal's encoding.
 */
final class RunJson {
  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .enable(JsonWriteFeature.ESCAPE_NON_ASCII)
      .build();

  private RunJson() {}

  /**
   * A run: {@code runId, pipeline, status, startedAt, finishedAt, durationMs, parameters, error, steps}; each step
   * has {@code name, kind, status, computeTarget, attempts, durationMs, outputs, metrics, error, reason, fingerprint,
   * reusedFrom}.
   */
  static ObjectNode run(Run run) {
    ObjectNode node = MAPPER.createObjectNode();
    node.put("runId", run.id());
    node.put("pipeline", run.pipeline());
    node.put("status", run.status().name());
    node.put("startedAt", instant(run.startedAt()));
    node.put("finishedAt", instant(run.finishedAt()));
    node.put("durationMs", durationMs(run.startedAt(), run.finishedAt()));
    node.set("parameters", MAPPER.valueToTree(new TreeMap<>(run.parameters())));
    node.put("error", run.error());
    ArrayNode steps = node.putArray("steps");
    for (StepRun step : run.steps()) {
      steps.add(step(step));
    }
    return node;
  }

  /** {@code {"workspace": ..., "runs": [run, ...]}}, newest first. */
  static ObjectNode runs(String workspace, List<Run> runs) {
    ObjectNode node = MAPPER.createObjectNode();
    node.put("workspace", workspace);
    ArrayNode array = node.putArray("runs");
    runs.forEach(run -> array.add(run(run)));
    return node;
  }

  /** {@code {"runId", "step", "lines": [{"at", "level", "message"}]}}. */
  static ObjectNode logs(String runId, String step, List<RunEvent.Log> logs) {
    ObjectNode node = MAPPER.createObjectNode();
    node.put("runId", runId);
    node.put("step", step);
    ArrayNode lines = node.putArray("lines");
    for (RunEvent.Log log : logs) {
      lines.addObject().put("at", instant(log.at())).put("level", log.level()).put("message", log.message());
    }
    return node;
  }

  static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  /** One line of JSON text. */
  static String write(ObjectNode node) {
    try {
      return MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static ObjectNode step(StepRun step) {
    ObjectNode node = MAPPER.createObjectNode();
    node.put("name", step.name());
    node.put("kind", step.kind().label());
    node.put("status", step.status().name());
    node.put("computeTarget", step.computeTarget());
    node.put("attempts", step.attempts());
    node.put("durationMs", durationMs(step.startedAt(), step.finishedAt()));
    node.set("outputs", MAPPER.valueToTree(new TreeMap<>(step.outputs())));
    node.set("metrics", MAPPER.valueToTree(new TreeMap<>(step.metrics())));
    node.put("error", step.error());
    node.put("reason", step.reason());
    node.put("fingerprint", step.fingerprint());
    node.put("reusedFrom", step.reusedFrom());
    return node;
  }

  /**
   * Times in milliseconds, as the run store keeps them: a run printed when it ends and the same run read back later
   * print the same.
   */
  private static String instant(Instant instant) {
    return instant == null ? null : instant.truncatedTo(ChronoUnit.MILLIS).toString();
  }

  private static Long durationMs(Instant start, Instant end) {
    return start == null || end == null ? null
        : end.truncatedTo(ChronoUnit.MILLIS).toEpochMilli() - start.truncatedTo(ChronoUnit.MILLIS).toEpochMilli();
  }
}
