package io.pipewright.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.pipewright.UserException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunCommandTest {
  @TempDir
  Path dir;

  private String ws() {
    return dir.resolve("ws").toString();
  }

  @Test
  void succeedingRunExitsWith0AndShowsEachStepThenTheSummary() {
    Invocation r = Invocation.of("run", "greet", "--workspace", ws());

    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.err()).isEmpty();
    List<String> lines = r.outLines();
    assertThat(lines.get(0)).matches("run [0-9a-f]{8}  greet  \\(workspace " + Pattern.quote(ws()) + "\\)");
    assertThat(lines.get(1)).isEqualTo("  parameters: scale=1.5, times=2");
    assertThat(lines).anySatisfy(l -> assertThat(l).matches("  \\S+ count  started on local"));
    assertThat(lines).anySatisfy(l -> assertThat(l).matches("  \\S+ count  succeeded in \\d+ ms  times=2"));
    assertThat(lines).anySatisfy(l -> assertThat(l).matches("  \\S+ score  succeeded in \\d+ ms  score=3"));
    int header = lines.indexOf("  STEP   KIND   STATUS       TARGET  DURATION  METRICS");
    assertThat(header).as(r.toString()).isPositive();
    assertThat(lines.get(header + 1)).matches("  count  prep   \\S+ SUCCEEDED  local   \\d+ ms +times=2");
    assertThat(lines.get(header + 2)).matches("  score  train  \\S+ SUCCEEDED  local   \\d+ ms +score=3");
    assertThat(lines.get(lines.size() - 1)).matches("SUCCEEDED in \\d+ ms");
    assertThat(dir.resolve("ws/pipewright.db")).isRegularFile();
  }

  @Test
  void aSecondRunReusesTheStepsAndSaysSoAndNoReuseRunsThemAgain() {
    JsonNode first = Invocation.of("run", "greet", "--json", "--workspace", ws()).json();
    Invocation second = Invocation.of("run", "greet", "--workspace", ws());
    JsonNode again = Invocation.of("run", "greet", "--json", "--workspace", ws()).json();
    JsonNode forced = Invocation.of("run", "greet", "--json", "--no-reuse", "--workspace", ws()).json();

    String firstId = first.get("runId").asText();
    assertThat(second.code()).as(second.toString()).isZero();
    assertThat(second.outLines()).anySatisfy(l -> assertThat(l)
        .matches("  \\S+ count  reused from run " + firstId.substring(0, 8)));
    assertThat(second.outLines()).anySatisfy(l -> assertThat(l).matches("  count  prep   \\S+ REUSED +local .*"));
    assertThat(again.get("status").asText()).isEqualTo("SUCCEEDED");
    for (JsonNode step : again.get("steps")) {
      assertThat(step.get("status").asText()).isEqualTo("REUSED");
      assertThat(step.get("reusedFrom").asText()).isEqualTo(firstId);
    }
    JsonNode count = first.get("steps").get(0);
    assertThat(count.get("fingerprint").asText()).matches("sha256:[0-9a-f]{64}")
        .isEqualTo(again.get("steps").get(0).get("fingerprint").asText());
    assertThat(count.get("reusedFrom").isNull()).isTrue();
    for (JsonNode step : forced.get("steps")) {
      assertThat(step.get("status").asText()).isEqualTo("SUCCEEDED");
    }
  }

  @Test
  void jsonIsExactlyOneObjectWithTheRunAndItsSteps() {
    Invocation r = Invocation.of("run", "greet", "--json", "--workspace", ws());

    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.err()).isEmpty();
    JsonNode run = r.json();
    assertThat(run.get("runId").asText()).matches("[0-9a-f]{32}");
    assertThat(run.get("pipeline").asText()).isEqualTo("greet");
    assertThat(run.get("status").asText()).isEqualTo("SUCCEEDED");
    assertThat(run.get("error").isNull()).isTrue();
    assertThat(run.get("parameters").get("times").asLong()).isEqualTo(2);
    assertThat(run.get("parameters").get("scale").asDouble()).isEqualTo(1.5);
    assertThat(run.get("durationMs").asLong()).isNotNegative();
    JsonNode steps = run.get("steps");
    assertThat(steps).hasSize(2);
    JsonNode count = steps.get(0);
    assertThat(count.get("name").asText()).isEqualTo("count");
    assertThat(count.get("kind").asText()).isEqualTo("prep");
    assertThat(count.get("status").asText()).isEqualTo("SUCCEEDED");
    assertThat(count.get("computeTarget").asText()).isEqualTo("local");
    assertThat(count.get("durationMs").isIntegralNumber()).isTrue();
    assertThat(count.get("metrics").get("times").asDouble()).isEqualTo(2.0);
    assertThat(Path.of(count.get("outputs").get("n").asText())).exists()
        .startsWith(dir.resolve("ws").toAbsolutePath());
    JsonNode score = steps.get(1);
    assertThat(score.get("name").asText()).isEqualTo("score");
    assertThat(score.get("kind").asText()).isEqualTo("train");
    assertThat(score.get("metrics").get("score").asDouble()).isEqualTo(3.0);
    assertThat(score.get("outputs").size()).isZero();
  }

  @Test
  void paramOverridesReachTheSteps() {
    Invocation r = Invocation.of("run", "greet", "--param", "times=7", "-p", "scale=0.5", "--json",
        "--workspace", ws());

    assertThat(r.code()).as(r.toString()).isZero();
    JsonNode run = r.json();
    assertThat(run.get("parameters").get("times").asLong()).isEqualTo(7);
    assertThat(run.get("steps").get(0).get("metrics").get("times").asDouble()).isEqualTo(7.0);
    assertThat(run.get("steps").get(1).get("metrics").get("score").asDouble()).isEqualTo(3.5);
  }

  @Test
  void malformedParamIsOneClearLineAndExitCode2() {
    Invocation r = Invocation.of("run", "greet", "--param", "times", "--workspace", ws());

    assertThat(r.code()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.errLines()).containsExactly("pipewright: malformed --param 'times': expected NAME=VALUE");
    assertThat(dir.resolve("ws")).doesNotExist();
  }

  @Test
  void paramsAreSplitAtTheFirstEqualsSignAndMayNotRepeat() {
    assertThat(RunCommand.parseParams(List.of("query=a=b", "empty=", " name =x")))
        .containsExactly(Map.entry("query", "a=b"), Map.entry("empty", ""), Map.entry("name", "x"));
    assertThatThrownBy(() -> RunCommand.parseParams(List.of("=3")))
        .isInstanceOf(UserException.class).hasMessage("malformed --param '=3': expected NAME=VALUE");
    assertThatThrownBy(() -> RunCommand.parseParams(List.of("times=1", "times=2")))
        .isInstanceOf(UserException.class)
        .hasMessage("--param 'times' is given twice ('1' and '2'): give it once");
  }

  @Test
  void invalidParameterValuesArePrintedAsTheWorkspaceReportsThemWithExitCode2() {
    Invocation r = Invocation.of("run", "greet", "-p", "times=lots", "-p", "colour=red", "--workspace", ws());

    assertThat(r.code()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.errLines()).containsExactly(
        "pipewright: pipeline 'greet' is invalid (2 problems):",
        "  - parameter 'times': expected an integer, got 'lots'",
        "  - unknown parameter 'colour' (declared: times, scale)");
  }

  @Test
  void unknownPipelineListsTheKnownOnesAndSuggestsTheClosest() {
    Invocation r = Invocation.of("run", "gret", "--workspace", ws());

    assertThat(r.code()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.errLines()).containsExactly("pipewright: unknown pipeline 'gret' (available: broken, counter, exploding,"
        + " flaky, greet, racing, slow, wide) -- did you mean 'greet'?");
  }

  @Test
  void unknownPipelineFarFromEveryNameSuggestsNothing() {
    Invocation r = Invocation.of("run", "mnist", "--workspace", ws());

    assertThat(r.code()).isEqualTo(2);
    assertThat(r.errLines()).containsExactly("pipewright: unknown pipeline 'mnist' (available: broken, counter, exploding,"
        + " flaky, greet, racing, slow, wide)");
  }

  @Test
  void closestNameToleratesACaseSlipOrAFewEditsOnly() {
    List<String> known = List.of("digits", "iris", "wine-quality");
    assertThat(PipelineRegistry.closest("Digits", known)).isEqualTo("digits");
    assertThat(PipelineRegistry.closest("digts", known)).isEqualTo("digits");
    assertThat(PipelineRegistry.closest("wine-qualty", known)).isEqualTo("wine-quality");
    assertThat(PipelineRegistry.closest("irs", known)).isEqualTo("iris");
    assertThat(PipelineRegistry.closest("dgiits", known)).isEqualTo("digits");
    assertThat(PipelineRegistry.closest("mnist", known)).isNull();
  }

  @Test
  void providerClassNameRunsAnUnregisteredPipeline() {
    Invocation r = Invocation.of("run", TestPipelines.Hidden.class.getName(), "--json", "--workspace", ws());

    assertThat(r.code()).as(r.toString()).isZero();
    JsonNode run = r.json();
    assertThat(run.get("pipeline").asText()).isEqualTo("hidden");
    assertThat(run.get("steps").get(0).get("metrics").get("answer").asDouble()).isEqualTo(42.0);
  }

  @Test
  void classThatIsNotAProviderIsAUserError() {
    Invocation r = Invocation.of("run", "java.lang.String", "--workspace", ws());

    assertThat(r.code()).isEqualTo(2);
    assertThat(r.errLines()).containsExactly("pipewright: class java.lang.String is not a pipeline provider: it must"
        + " implement io.pipewright.spi.PipelineProvider");
  }

  @Test
  void workspaceThatIsAFileIsOneClearLineAndExitCode2() throws IOException {
    Path file = Files.writeString(dir.resolve("notes.txt"), "not a workspace");

    Invocation r = Invocation.of("run", "greet", "--workspace", file.toString());

    assertThat(r.code()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.errLines()).containsExactly("pipewright: workspace " + file.toAbsolutePath()
        + " is a file, not a folder: give a folder with --workspace");
  }

  @Test
  void workspaceThatCannotBeCreatedIsOneClearLineAndExitCode2() throws IOException {
    Path file = Files.writeString(dir.resolve("notes.txt"), "not a folder");

    Invocation r = Invocation.of("run", "greet", "--workspace", file.resolve("ws").toString());

    assertThat(r.code()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.errLines()).singleElement().asString()
        .startsWith("pipewright: cannot create workspace " + file.resolve("ws") + ": ");
  }

  @Test
  void failingStepExitsWith1AndShowsItsErrorAndWhatItSkipped() {
    Invocation r = Invocation.of("run", "broken", "--workspace", ws());

    assertThat(r.code()).as(r.toString()).isEqualTo(1);
    assertThat(r.err()).isEmpty();
    List<String> lines = r.outLines();
    assertThat(lines).anySatisfy(l -> assertThat(l).matches("  \\S+ boom   failed: the data is bad"));
    assertThat(lines).anySatisfy(l -> assertThat(l)
        .matches("  \\S+ after  skipped: upstream step 'boom' failed"));
    assertThat(lines).anySatisfy(l -> assertThat(l).matches("  boom   train     \\S+ FAILED     local   \\d+ ms"));
    assertThat(lines).anySatisfy(l -> assertThat(l).matches("  after  evaluate  \\S+ SKIPPED    local   -"));
    assertThat(lines.get(lines.size() - 1)).matches("FAILED in \\d+ ms -- step 'boom' failed: the data is bad");
  }

  @Test
  void failingStepInJsonCarriesTheErrorsAndReasons() {
    Invocation r = Invocation.of("run", "broken", "--json", "--workspace", ws());

    assertThat(r.code()).isEqualTo(1);
    JsonNode run = r.json();
    assertThat(run.get("status").asText()).isEqualTo("FAILED");
    assertThat(run.get("error").asText()).isEqualTo("step 'boom' failed: the data is bad");
    List<String> statuses = new ArrayList<>();
    run.get("steps").forEach(s -> statuses.add(s.get("name").asText() + "=" + s.get("status").asText()));
    assertThat(statuses).containsExactly("ok=SUCCEEDED", "boom=FAILED", "after=SKIPPED");
    assertThat(run.get("steps").get(1).get("error").asText()).isEqualTo("the data is bad");
    assertThat(run.get("steps").get(2).get("reason").asText()).isEqualTo("upstream step 'boom' failed");
    assertThat(run.get("steps").get(2).get("durationMs").isNull()).isTrue();
  }

  @Test
  void failFastCancelsTheStepsStillRunning() {
    long start = System.nanoTime();
    Invocation r = Invocation.of("run", "racing", "--fail-fast", "--json", "--workspace", ws());

    assertThat(r.code()).as(r.toString()).isEqualTo(1);
    assertThat((System.nanoTime() - start) / 1_000_000_000).isLessThan(30);
    JsonNode run = r.json();
    assertThat(run.get("steps").get(0).get("name").asText()).isEqualTo("long");
    assertThat(run.get("steps").get(0).get("status").asText()).isEqualTo("CANCELLED");
    assertThat(run.get("steps").get(0).get("reason").asText()).isEqualTo("fail-fast: step 'fails' failed");
    assertThat(run.get("steps").get(1).get("error").asText()).isEqualTo("IllegalStateException: lost the race");
  }

  @Test
  void retriesAreShownAsTheyHappen() {
    Invocation r = Invocation.of("run", "flaky", "--workspace", ws());

    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.outLines()).anySatisfy(l -> assertThat(l)
        .matches("  \\S+ wobbly  attempt 1 failed, retrying in 10 ms: IllegalStateException: first try wobbles"));
    assertThat(r.outLines()).anySatisfy(l -> assertThat(l).matches("  \\S+ wobbly  started on local \\(attempt 2\\)"));
    assertThat(r.outLines()).anySatisfy(l -> assertThat(l).matches("  \\S+ wobbly  succeeded in \\d+ ms  attempt=2"));
  }

  @Test
  void terminalWithoutSymbolsGetsAsciiOnly() {
    Invocation r = Invocation.ascii("run", "broken", "--workspace", ws());

    assertThat(r.code()).isEqualTo(1);
    assertThat(r.out()).matches("\\p{ASCII}*");
    assertThat(r.outLines()).contains("  > ok     started on local", "  x boom   failed: the data is bad",
        "  - after  skipped: upstream step 'boom' failed");
  }

  @Test
  void liveLinesStayWholeWhenStepsReportFromManyThreads() {
    Invocation r = Invocation.of("run", "wide", "--workspace", ws());

    assertThat(r.code()).as(r.toString()).isZero();
    Pattern live = Pattern.compile(
        "  \\S+ part\\d  (started on local|succeeded in \\d+ ms  m0=0 m1=1 m10=10 \\.\\.\\.)");
    List<String> progress = r.outLines().subList(1, 1 + 2 * TestPipelines.Wide.STEPS);
    assertThat(progress).allSatisfy(l -> assertThat(l).matches(live));
    for (int i = 0; i < TestPipelines.Wide.STEPS; i++) {
      String step = "part" + i;
      assertThat(progress).filteredOn(l -> l.contains(step + "  succeeded")).hasSize(1);
      assertThat(progress).filteredOn(l -> l.contains(step + "  started")).hasSize(1);
    }
  }
}
