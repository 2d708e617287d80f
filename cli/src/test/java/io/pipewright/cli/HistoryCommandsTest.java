package io.pipewright.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code runs}, {@code show} and {@code logs} on a workspace holding a succeeded and a failed run. */
class HistoryCommandsTest {
  @TempDir
  Path dir;

  private String ws;
  private JsonNode greet;
  private JsonNode broken;

  @BeforeEach
  void twoRuns() {
    ws = dir.resolve("ws").toString();
    greet = Invocation.of("run", "greet", "-p", "times=4", "--json", "-w", ws).json();
    broken = Invocation.of("run", "broken", "--json", "-w", ws).json();
  }

  private String id(JsonNode run) {
    return run.get("runId").asText();
  }

  @Test
  void runsListsTheRunsNewestFirst() {
    Invocation r = Invocation.of("runs", "--workspace", ws);

    assertThat(r.code()).as(r.toString()).isZero();
    List<String> lines = r.outLines();
    assertThat(lines).hasSize(3);
    assertThat(lines.get(0)).matches("RUN +PIPELINE +STATUS +STARTED +DURATION +STEPS");
    assertThat(lines.get(1)).matches(id(broken).substring(0, 8) + "  broken    FAILED     "
        + "\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d  \\d+ ms +1 succeeded, 1 failed, 1 skipped");
    assertThat(lines.get(2)).matches(id(greet).substring(0, 8) + "  greet     SUCCEEDED  .* 2 succeeded");
  }

  @Test
  void runsInJsonHoldsTheSameObjectsAsTheRuns() {
    Invocation r = Invocation.of("runs", "--json", "--limit", "1", "--workspace", ws);

    assertThat(r.code()).isZero();
    JsonNode json = r.json();
    assertThat(json.get("workspace").asText()).isEqualTo(Path.of(ws).toAbsolutePath().toString());
    assertThat(json.get("runs")).hasSize(1);
    assertThat(json.get("runs").get(0)).isEqualTo(broken);
  }

  @Test
  void runsOfAMissingWorkspaceIsEmptyAndCreatesNothing() {
    Path missing = dir.resolve("elsewhere");

    Invocation r = Invocation.of("runs", "--workspace", missing.toString());
    Invocation json = Invocation.of("runs", "--json", "--workspace", missing.toString());

    assertThat(r.code()).isZero();
    assertThat(r.outLines()).containsExactly("no runs in workspace " + missing.toAbsolutePath());
    assertThat(json.json().get("runs")).isEmpty();
    assertThat(missing).doesNotExist();
  }

  @Test
  void limitBelowOneIsAUserError() {
    Invocation r = Invocation.of("runs", "--limit", "0", "--workspace", ws);

    assertThat(r.code()).isEqualTo(2);
    assertThat(r.errLines()).containsExactly("pipewright: --limit must be >= 1, was 0");
  }

  @Test
  void showFindsARunByAPrefixOfItsId() {
    Invocation r = Invocation.of("show", id(greet).substring(0, 6), "--workspace", ws);

    assertThat(r.code()).as(r.toString()).isZero();
    List<String> lines = r.outLines();
    assertThat(lines.get(0)).matches("run " + id(greet) + "  greet  SUCCEEDED in \\d+ ms");
    assertThat(lines.get(1)).matches("  started     \\d{4}-.*, finished \\d{4}-.*");
    assertThat(lines.get(2)).isEqualTo("  parameters  scale=1.5, times=4");
    assertThat(lines).anySatisfy(l -> assertThat(l)
        .matches("  count  prep   \\S+ SUCCEEDED  local   \\d+ ms +times=4"));
    assertThat(lines).anySatisfy(l -> assertThat(l)
        .matches("  score  train  \\S+ SUCCEEDED  local   \\d+ ms +score=6"));
    assertThat(lines).containsSubsequence("metrics:", "  count  times=4", "  score  score=6");
    assertThat(lines).contains("outputs:", "  count.n  " + greet.get("steps").get(0).get("outputs").get("n").asText());
  }

  @Test
  void showListsEveryMetricWrappingLongLists() {
    JsonNode wide = Invocation.of("run", "wide", "--json", "-w", ws).json();

    Invocation r = Invocation.of("show", id(wide), "--workspace", ws);

    assertThat(r.code()).isZero();
    List<String> lines = r.outLines();
    List<String> part0 = lines.subList(lines.indexOf("metrics:") + 1, lines.size()).stream()
        .takeWhile(l -> l.startsWith("  part0 ") || l.startsWith("         ")).toList();
    assertThat(part0).hasSizeGreaterThan(1).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(100));
    String joined = String.join(" ", part0);
    for (int m = 0; m < 50; m++) {
      assertThat(joined).containsPattern("(^| )m" + m + "=" + m + "( |$)");
    }
  }

  @Test
  void showOfAFailedRunGivesTheErrorAndTheReasons() {
    Invocation r = Invocation.of("show", id(broken), "--workspace", ws);

    assertThat(r.code()).isZero();
    assertThat(r.outLines().get(0)).matches("run " + id(broken)
        + "  broken  FAILED in \\d+ ms -- step 'boom' failed: the data is bad");
    assertThat(r.outLines()).anySatisfy(l -> assertThat(l).matches("  \\S+ boom: the data is bad"));
    assertThat(r.outLines()).anySatisfy(l -> assertThat(l).matches("  \\S+ after: upstream step 'boom' failed"));
  }

  @Test
  void showInJsonIsWhatTheRunPrinted() {
    Invocation r = Invocation.of("show", id(greet), "--json", "--workspace", ws);

    assertThat(r.code()).isZero();
    assertThat(r.json()).isEqualTo(greet);
  }

  @Test
  void unknownRunIdIsOneClearLineAndExitCode2() {
    Invocation r = Invocation.of("show", "zzzz", "--workspace", ws);

    assertThat(r.code()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.errLines()).containsExactly("pipewright: no run 'zzzz' in workspace " + Path.of(ws).toAbsolutePath()
        + " (see: pipewright runs)");
  }

  @Test
  void showInAMissingWorkspaceSaysThereIsNoneAndCreatesNothing() {
    Path missing = dir.resolve("elsewhere");

    Invocation r = Invocation.of("show", "abc", "--workspace", missing.toString());

    assertThat(r.code()).isEqualTo(2);
    assertThat(r.errLines()).containsExactly("pipewright: no run 'abc': there is no workspace "
        + missing.toAbsolutePath() + " -- give the right one with --workspace");
    assertThat(missing).doesNotExist();
  }

  @Test
  void logsPrintsWhatTheStepLogged() {
    Invocation r = Invocation.of("logs", id(greet), "count", "--workspace", ws);

    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.outLines()).singleElement().asString()
        .matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3}  INFO   counting to 4");
  }

  @Test
  void logsInJsonHasTheLinesWithLevelsAndTimes() {
    Invocation r = Invocation.of("logs", id(greet).substring(0, 8), "score", "--json", "--workspace", ws);

    assertThat(r.code()).isZero();
    JsonNode json = r.json();
    assertThat(json.get("runId").asText()).isEqualTo(id(greet));
    assertThat(json.get("step").asText()).isEqualTo("score");
    assertThat(json.get("lines")).hasSize(1);
    assertThat(json.get("lines").get(0).get("level").asText()).isEqualTo("INFO");
    assertThat(json.get("lines").get(0).get("message").asText()).isEqualTo("scored 6.0");
    assertThat(json.get("lines").get(0).get("at").asText()).endsWith("Z");
  }

  @Test
  void logsOfAStepThatLoggedNothingSaysSo() {
    Invocation r = Invocation.of("logs", id(broken), "after", "--workspace", ws);

    assertThat(r.code()).isZero();
    assertThat(r.outLines()).containsExactly("step 'after' of run " + id(broken).substring(0, 8) + " logged nothing");
  }

  @Test
  void logsOfAnUnknownStepNamesTheRunsSteps() {
    Invocation r = Invocation.of("logs", id(greet), "train", "--workspace", ws);

    assertThat(r.code()).isEqualTo(2);
    assertThat(r.errLines()).containsExactly("pipewright: run " + id(greet).substring(0, 8)
        + " (greet) has no step 'train' (steps: count, score)");
  }
}
