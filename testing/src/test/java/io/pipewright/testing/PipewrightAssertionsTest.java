package io.pipewright.testing;

import static io.pipewright.testing.PipewrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pipewright.Dataset;
import io.pipewright.Metrics;
import io.pipewright.Pipeline;
import io.pipewright.Run;
import io.pipewright.RunStatus;
import io.pipewright.Step;
import io.pipewright.StepException;
import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The assertions pass when they should, and otherwise fail with a message that shows what happened. */
@ExtendWith(PipewrightExtension.class)
class PipewrightAssertionsTest {
  private static Run first;
  private static Run second;
  private static Run failed;

  /** load -> score (metrics) -> publish (value, only when good >= 0.5); score fails when told to. */
  static Pipeline pipeline() {
    Pipeline p = Pipeline.named("scores").parameter("fail", false).parameter("bar", 0.5);
    Step load = p.prep("load").produces("rows", Dataset.class)
        .runs(ctx -> Files.writeString(ctx.outputDir("rows").resolve("rows.txt"), "1\n2\n"));
    Step score = p.evaluate("score").input("rows", load.dataset("rows")).uses("fail").runs(ctx -> {
      if (ctx.booleanParam("fail")) {
        throw StepException.nonRetryable("the scorer is broken");
      }
      ctx.write("metrics", Metrics.of("good", 0.75, "rows", 2));
    });
    p.deploy("publish").input("scores", score.metrics())
        .when(io.pipewright.Condition.metric(score.metrics(), "good").atLeast("bar"))
        .produces("report", Map.class)
        .runs(ctx -> ctx.write("report", Map.of("good", ctx.metrics("scores").get("good"))));
    return p;
  }

  @BeforeAll
  static void runs(TestWorkspace ws) {
    first = ws.run(pipeline());
    second = ws.run(pipeline(), Map.of("bar", 0.9));
    failed = ws.run(pipeline(), Map.of("fail", true));
  }

  @Test
  void passWhenTheRunIsAsExpected() {
    assertThat(first).succeeded()
        .step("load").ran().succeeded()
        .step("score").ran().metric("good").isEqualTo(0.75);
    assertThat(first).step("publish").ran().outputValue("report").isEqualTo(Map.of("good", 0.75));
    assertThat(first).step("load").outputFile("rows", "rows.txt").content().isEqualTo("1\n2\n");
    assertThat(first).step("load").outputFiles("rows").isDirectory();
    assertThat(second).succeeded().reused("load", "score").skipped("publish")
        .step("score").wasReusedFrom(first).succeeded()
        .step("publish").wasSkipped().wasSkippedBecause("good 0.75 < bar 0.9");
    assertThat(failed).failed().step("score").failedWith("the scorer is broken")
        .step("publish").wasSkippedBecause("upstream step 'score' failed");
    assertThat(first.step("score")).ran().hasStatus(io.pipewright.StepStatus.SUCCEEDED);
  }

  @Test
  void aWrongRunStatusShowsTheRunAndTheFailedStepsStackTrace() {
    assertThatThrownBy(() -> assertThat(failed).succeeded())
        .isInstanceOf(AssertionError.class)
        .hasMessageStartingWith("expected run " + failed.shortId() + " to be SUCCEEDED, but it is FAILED\n"
            + "Run " + failed.shortId() + " scores FAILED in ")
        .hasMessageContaining("✗ score    evaluate  ")
        .hasMessageContaining("failed: the scorer is broken")
        .hasMessageContaining("⊘ publish  deploy    skipped: upstream step 'score' failed")
        .hasMessageContaining("stack trace of step 'score':\n" + StepException.class.getName()
            + ": the scorer is broken");
  }

  @Test
  void aWrongStepStatusNamesTheStepAndShowsTheRun() {
    assertThatThrownBy(() -> assertThat(second).step("score").ran())
        .isInstanceOf(AssertionError.class)
        .hasMessageStartingWith("expected step 'score' to be SUCCEEDED, but it is:\n  score evaluate REUSED on local"
            + " reused from " + first.shortId())
        .hasMessageContaining("in Run " + second.shortId() + " scores SUCCEEDED");
    assertThatThrownBy(() -> assertThat(first).step("publish").wasSkipped())
        .hasMessageStartingWith("expected step 'publish' to be SKIPPED, but it is:\n  publish deploy SUCCEEDED");
    assertThatThrownBy(() -> assertThat(failed).step("score").failedWith("out of memory"))
        .hasMessageStartingWith("expected step 'score' to have failed with 'out of memory', but it is:\n"
            + "  score evaluate FAILED on local");
    assertThatThrownBy(() -> assertThat(second).reused("load", "publish"))
        .hasMessageStartingWith("expected load, publish of run " + second.shortId()
            + " to be REUSED, but publish is SKIPPED\n");
    assertThatThrownBy(() -> assertThat(second).step("publish").wasSkippedBecause("too late"))
        .hasMessageStartingWith("expected step 'publish' to have been skipped because of 'too late', but it is:\n"
            + "  publish deploy SKIPPED on local skipped: condition not met: good 0.75 < bar 0.9");
  }

  @Test
  void anUnknownStepMetricOrOutputIsNamedWithWhatThereIs() {
    assertThatThrownBy(() -> assertThat(first).step("scor"))
        .hasMessageStartingWith("expected run " + first.shortId()
            + " to have a step 'scor', but its steps are load, score, publish\n");
    assertThatThrownBy(() -> assertThat(first).step("score").metric("accuracy"))
        .hasMessageStartingWith("expected step 'score' to have metric 'accuracy', but it has good, rows:\n  score evaluate");
    assertThatThrownBy(() -> assertThat(first).step("score").metric("good").isGreaterThan(0.8))
        .hasMessageContaining("[metric 'good' of step 'score']")
        .hasMessageContaining("0.75");
    assertThatThrownBy(() -> assertThat(first).step("score").outputValue("report"))
        .hasMessageStartingWith("expected step 'score' to have output 'report', but it has metrics");
    assertThatThrownBy(() -> assertThat(first).step("load").outputValue("rows"))
        .hasMessageStartingWith("expected step 'load' to have a value output 'rows', but it is files (use"
            + " outputFiles(\"rows\") or outputFile(\"rows\", path)):\n  load prep SUCCEEDED");
    assertThatThrownBy(() -> assertThat(first).step("publish").outputFiles("report"))
        .hasMessageStartingWith("expected step 'publish' to have files under output 'report', but it is a value (use outputValue(\"report\")):");
    assertThatThrownBy(() -> assertThat(first).step("load").outputFile("rows", "other.txt"))
        .hasMessageStartingWith("expected step 'load' to have a file 'other.txt' in output 'rows'");
    assertThatThrownBy(() -> assertThat(first.step("load")).step("score"))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void pipelineShapeAssertions() {
    Pipeline p = pipeline();

    assertThat(p).isValid().hasSteps("load", "score", "publish")
        .hasEdge("load", "score").hasEdge("score", "publish").hasNoEdge("load", "publish");

    assertThatThrownBy(() -> assertThat(p).hasEdge("load", "publish"))
        .isInstanceOf(AssertionError.class)
        .hasMessageStartingWith("expected pipeline 'scores' to have an edge load -> publish, but publish depends on"
            + " score\nPipeline scores (3 steps; fail=false, bar=0.5)\n  load     prep\n")
        .hasMessageContaining("publish  deploy   <- score when good >= bar");
    assertThatThrownBy(() -> assertThat(p).hasSteps("load", "publish"))
        .hasMessageStartingWith("expected pipeline 'scores' to have steps load, publish, but it has load, score,"
            + " publish\n");
    assertThatThrownBy(() -> assertThat(p).hasEdge("load", "nope"))
        .hasMessageStartingWith("expected pipeline 'scores' to have a step 'nope', but its steps are load, score,"
            + " publish");
    Pipeline broken = Pipeline.named("broken");
    broken.step("a").input("x", new io.pipewright.Output<>("missing", "out", Dataset.class)).runs(ctx -> {});
    assertThatThrownBy(() -> assertThat(broken).isValid())
        .hasMessageStartingWith("expected pipeline 'broken' to be valid, but:\n  - step 'a': input 'x' refers to step"
            + " 'missing', which does not exist");
  }

  @Test
  void theRunStatusIsWhatTheAssertionsRead() {
    assertThat(failed.status()).isEqualTo(RunStatus.FAILED);
  }
}
