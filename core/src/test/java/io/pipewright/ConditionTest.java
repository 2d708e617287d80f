package io.pipewright;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Steps that run only when an upstream metric or value says so. */
class ConditionTest {
  @TempDir
  Path tmp;

  private Workspace open() {
    return Workspace.builder(tmp.resolve("ws")).localThreads(2).open();
  }

  /** evaluate (accuracy 0.93) -> deploy, gated on accuracy >= minAccuracy -> notify, after deploy. */
  private static Pipeline gated(List<String> ran) {
    Pipeline p = Pipeline.named("gated").parameter("minAccuracy", 0.9);
    Step evaluate = p.evaluate("evaluate").runs(ctx -> ctx.write("metrics", Metrics.of("accuracy", 0.93)));
    Step deploy = p.deploy("deploy")
        .when(Condition.metric(evaluate.metrics(), "accuracy").atLeast("minAccuracy"))
        .produces("release", String.class)
        .runs(ctx -> {
          ran.add("deploy");
          ctx.write("release", "v1");
        });
    p.step("notify").input("release", deploy.value("release", String.class)).runs(ctx -> ran.add("notify"));
    return p;
  }

  @Test
  void aStepRunsWhenItsConditionHolds() {
    List<String> ran = new CopyOnWriteArrayList<>();
    try (Workspace ws = open()) {
      Run run = ws.submit(gated(ran)).await();

      assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(run.step("deploy").status()).isEqualTo(StepStatus.SUCCEEDED);
      assertThat(ran).containsExactly("deploy", "notify");
    }
  }

  @Test
  void whenItDoesNotTheStepAndItsDependentsAreSkippedWithTheReasonAndTheRunSucceeds() {
    List<String> ran = new CopyOnWriteArrayList<>();
    try (Workspace ws = open()) {
      Run run = ws.submit(gated(ran), Map.of("minAccuracy", 0.95)).await();

      assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(run.step("evaluate").status()).isEqualTo(StepStatus.SUCCEEDED);
      assertThat(run.step("deploy").status()).isEqualTo(StepStatus.SKIPPED);
      assertThat(run.step("deploy").reason()).isEqualTo("condition not met: accuracy 0.93 < minAccuracy 0.95");
      assertThat(run.step("notify").status()).isEqualTo(StepStatus.SKIPPED);
      assertThat(run.step("notify").reason())
          .isEqualTo("upstream step 'deploy' was skipped (condition not met: accuracy 0.93 < minAccuracy 0.95)");
      assertThat(ran).isEmpty();
      // recorded, as shown later
      Run stored = ws.runs().get(run.id());
      assertThat(stored.step("deploy").reason()).isEqualTo(run.step("deploy").reason());
    }
  }

  @Test
  void aConditionIsCheckedAgainstTheMetricsOfAReusedStep() {
    List<String> ran = new CopyOnWriteArrayList<>();
    try (Workspace ws = open()) {
      ws.submit(gated(ran)).await();
      Run second = ws.submit(gated(ran), Map.of("minAccuracy", 0.99)).await();

      assertThat(second.step("evaluate").status()).isEqualTo(StepStatus.REUSED);
      assertThat(second.step("deploy").status()).isEqualTo(StepStatus.SKIPPED);
    }
  }

  @Test
  void fixedThresholdsAndValueConditions() {
    Pipeline p = Pipeline.named("p");
    Step check = p.step("check").produces("loss", Metrics.class).produces("approved", Boolean.class).runs(ctx -> {
      ctx.write("loss", Metrics.of("loss", 0.5));
      ctx.write("approved", false);
    });
    p.step("lowLoss").when(Condition.metric(check.metrics("loss"), "loss").atMost(0.25)).runs(ctx -> { });
    p.step("okLoss").when(Condition.metric(check.metrics("loss"), "loss").atMost(0.5)).runs(ctx -> { });
    p.step("approved").when(Condition.value(check.value("approved", Boolean.class), "approved", ok -> ok))
        .runs(ctx -> { });

    try (Workspace ws = open()) {
      Run run = ws.submit(p).await();

      assertThat(run.step("lowLoss").reason()).isEqualTo("condition not met: loss 0.5 > 0.25");
      assertThat(run.step("okLoss").status()).isEqualTo(StepStatus.SUCCEEDED);
      assertThat(run.step("approved").reason())
          .isEqualTo("condition not met: approved does not hold (check.approved is false)");
    }
  }

  @Test
  void measuredValuesAreShownRoundedUnlessRoundingWouldHideTheMiss() {
    Output<Metrics> metrics = new Output<>("evaluate", "metrics", Metrics.class);
    Condition atLeast = Condition.metric(metrics, "accuracy").atLeast(0.95);

    assertThat(atLeast.unmet(Metrics.of("accuracy", 0.9349303621), Map.of()))
        .contains("accuracy 0.9349 < 0.95");
    assertThat(atLeast.unmet(Metrics.of("accuracy", 0.94999), Map.of())).contains("accuracy 0.94999 < 0.95");
    assertThat(atLeast.unmet(Metrics.of("accuracy", 0.95), Map.of())).isEmpty();
  }

  @Test
  void aConditionOnAMetricTheSourceLacksFailsTheStepNamingIt() {
    Pipeline p = Pipeline.named("p");
    Step evaluate = p.evaluate("evaluate").runs(ctx -> ctx.write("metrics", Metrics.of("f1", 0.8)));
    p.deploy("deploy").when(Condition.metric(evaluate.metrics(), "accuracy").atLeast(0.9)).runs(ctx -> { });

    try (Workspace ws = open()) {
      Run run = ws.submit(p).await();

      assertThat(run.status()).isEqualTo(RunStatus.FAILED);
      assertThat(run.step("deploy").error()).isEqualTo("step 'deploy': condition 'accuracy >= 0.9' on"
          + " evaluate.metrics cannot be checked: no metric 'accuracy' (have: f1)");
    }
  }

  @Test
  void validationNamesConditionsOnMissingOutputsFilesOrParameters() {
    Pipeline p = Pipeline.named("p").parameter("name", "x");
    Step prep = p.prep("prep").produces("rows", Dataset.class).runs(ctx -> { });
    Step evaluate = p.evaluate("evaluate").runs(ctx -> { });
    p.step("a").when(Condition.metric(evaluate.metrics("scores"), "x").atLeast(1)).runs(ctx -> { });
    p.step("b").when(Condition.value(prep.value("rows", String.class), "rows", r -> true)).runs(ctx -> { });
    p.step("c").when(Condition.metric(evaluate.metrics(), "x").atLeast("threshold")).runs(ctx -> { });
    p.step("d").when(Condition.metric(evaluate.metrics(), "x").atLeast("name")).runs(ctx -> { });

    assertThat(p.validate()).extracting(Problem::message).containsExactly(
        "step 'a': condition 'x >= 1' reads output 'scores' of step 'evaluate', which it does not produce"
            + " (produces: metrics)",
        "step 'b': condition 'rows' expects String but output 'rows' of step 'prep' is Dataset: a condition reads"
            + " Metrics or a value",
        "step 'c': condition 'x >= threshold' compares with parameter 'threshold', which the pipeline does not"
            + " declare (declared: name)",
        "step 'd': condition 'x >= name' compares with parameter 'name', which is a string, not a number");
  }

  @Test
  void theConditionsSourceIsAnUpstream() {
    Pipeline p = Pipeline.named("p");
    Step evaluate = p.evaluate("evaluate").runs(ctx -> { });
    Step deploy = p.deploy("deploy").when(Condition.metric(evaluate.metrics(), "a").atLeast(1)).runs(ctx -> { });

    assertThat(deploy.dependsOn()).containsExactly("evaluate");
    assertThat(deploy.conditions()).extracting(Condition::toString).containsExactly("a >= 1");
    assertThatThrownBy(() -> Condition.metric(evaluate.metrics(), "a").atLeast(Double.NaN))
        .hasMessage("threshold of metric 'a' must be a finite number, was NaN");
  }

  @Test
  void trainAndEvaluateStepsHaveDefaultOutputs() {
    Pipeline p = Pipeline.named("p");
    Step train = p.train("train").runs(ctx -> { });
    Step evaluate = p.evaluate("evaluate").input("model", train.model()).runs(ctx -> { });
    Step custom = p.train("custom").produces("weights", Dataset.class).runs(ctx -> { });
    Step deploy = p.deploy("deploy").runs(ctx -> { });

    assertThat(train.outputs()).isEqualTo(Map.of("model", Model.class));
    assertThat(evaluate.outputs()).isEqualTo(Map.of("metrics", Metrics.class));
    assertThat(evaluate.metrics()).isEqualTo(new Output<>("evaluate", "metrics", Metrics.class));
    assertThat(custom.outputs()).isEqualTo(Map.of("weights", Dataset.class));
    assertThat(deploy.allowReuse()).isFalse();
    assertThatThrownBy(custom::model).hasMessage("step 'custom' has no Model outputs");
  }
}
