package io.pipewright.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code explain} on a workspace where {@code greet} ran with times=2, then with times=4. */
class ExplainCommandTest {
  @TempDir
  Path dir;

  private String ws;
  private JsonNode first;
  private JsonNode second;

  @BeforeEach
  void twoRuns() {
    ws = dir.resolve("ws").toString();
    first = Invocation.of("run", "greet", "-p", "times=2", "--json", "-w", ws).json();
    second = Invocation.of("run", "greet", "-p", "times=4", "--json", "-w", ws).json();
  }

  private static String id(JsonNode run) {
    return run.get("runId").asText();
  }

  private static String shortId(JsonNode run) {
    return id(run).substring(0, 8);
  }

  private static String fingerprint(JsonNode run, String step) {
    for (JsonNode s : run.get("steps")) {
      if (s.get("name").asText().equals(step)) {
        return s.get("fingerprint").asText();
      }
    }
    throw new AssertionError("no step " + step + " in " + run);
  }

  private static String started(JsonNode run) {
    return DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm", Locale.ROOT).withZone(ZoneId.systemDefault())
        .format(Instant.parse(run.get("startedAt").asText()));
  }

  @Test
  void explainNamesTheChangedParameterAndWhatDidNotChange() {
    Invocation r = Invocation.of("explain", shortId(second), "count", "--workspace", ws);

    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.outLines()).containsExactly(
        "count ran because its fingerprint differs from run " + shortId(first) + " (" + started(first) + "):",
        "  parameter times: 2 -> 4",
        "  (code, inputs and environment unchanged)");
  }

  @Test
  void explainShowsAChangedValueInput() {
    Invocation r = Invocation.of("explain", id(second), "score", "-w", ws);

    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.outLines()).containsExactly(
        "score ran because its fingerprint differs from run " + shortId(first) + " (" + started(first) + "):",
        "  input n: value 2 -> 4",
        "  (code, parameters and environment unchanged)");
  }

  @Test
  void explainOfTheFirstRunSaysItIsTheFirstExecution() {
    Invocation r = Invocation.of("explain", id(first), "count", "-w", ws);

    assertThat(r.code()).isZero();
    assertThat(r.outLines()).containsExactly("count ran: first execution of this step in the workspace");
  }

  @Test
  void explainOfAReusedStepNamesTheRunAndTheFingerprint() {
    JsonNode third = Invocation.of("run", "greet", "-p", "times=4", "--json", "-w", ws).json();

    Invocation r = Invocation.of("explain", id(third), "count", "-w", ws);

    assertThat(r.code()).isZero();
    assertThat(r.outLines()).containsExactly("count was reused from run " + shortId(second) + " (fingerprint "
        + fingerprint(third, "count").substring(0, 19) + "...)");
  }

  @Test
  void explainOfARunWithoutReuseSaysReuseWasOff() {
    JsonNode third = Invocation.of("run", "greet", "-p", "times=4", "--no-reuse", "--json", "-w", ws).json();

    Invocation r = Invocation.of("explain", id(third), "count", "-w", ws);

    assertThat(r.code()).isZero();
    assertThat(r.outLines()).containsExactly("count ran: reuse was off for the run (its fingerprint equals run "
        + shortId(second) + "'s)");
  }

  @Test
  void explainInJsonIsOneObjectWithTheDifferences() {
    Invocation r = Invocation.of("explain", id(second), "count", "--json", "-w", ws);

    assertThat(r.code()).isZero();
    JsonNode json = r.json();
    assertThat(json.fieldNames()).toIterable().containsExactly("runId", "step", "status", "fingerprint",
        "comparedWith", "reusedFrom", "reason", "differences");
    assertThat(json.get("runId").asText()).isEqualTo(id(second));
    assertThat(json.get("step").asText()).isEqualTo("count");
    assertThat(json.get("status").asText()).isEqualTo("SUCCEEDED");
    assertThat(json.get("fingerprint").asText()).isEqualTo(fingerprint(second, "count"));
    assertThat(json.get("comparedWith").asText()).isEqualTo(id(first));
    assertThat(json.get("reusedFrom").isNull()).isTrue();
    assertThat(json.get("reason").asText()).isEqualTo("its fingerprint differs from run " + shortId(first) + "'s");
    assertThat(Invocation.JSON.convertValue(json.get("differences"), List.class))
        .containsExactly("parameter times: 2 -> 4");
  }

  @Test
  void explainOfAnUnknownStepNamesTheRunsStepsWithExitCode2() {
    Invocation r = Invocation.of("explain", id(second), "train", "-w", ws);

    assertThat(r.code()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.errLines()).containsExactly("pipewright: run " + shortId(second)
        + " (greet) has no step 'train' (steps: count, score)");
  }

  @Test
  void explainOfAnUnknownRunIsOneClearLineWithExitCode2() {
    Invocation r = Invocation.of("explain", "zzzz", "count", "-w", ws);

    assertThat(r.code()).isEqualTo(2);
    assertThat(r.errLines()).containsExactly("pipewright: no run 'zzzz' in workspace " + Path.of(ws).toAbsolutePath()
        + " (see: pipewright runs)");
  }

  @Test
  void explainInAMissingWorkspaceSaysThereIsNoneAndCreatesNothing() {
    Path missing = dir.resolve("elsewhere");

    Invocation r = Invocation.of("explain", "abc", "count", "-w", missing.toString());

    assertThat(r.code()).isEqualTo(2);
    assertThat(r.errLines()).containsExactly("pipewright: no run 'abc': there is no workspace "
        + missing.toAbsolutePath() + " -- give the right one with --workspace");
    assertThat(missing).doesNotExist();
  }
}
