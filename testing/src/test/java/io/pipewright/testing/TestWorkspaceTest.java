package io.pipewright.testing;

import static io.pipewright.testing.PipewrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pipewright.Dataset;
import io.pipewright.Metrics;
import io.pipewright.Pipeline;
import io.pipewright.Run;
import io.pipewright.Step;
import io.pipewright.StepBody;
import io.pipewright.StepContext;
import io.pipewright.ValidationException;
import io.pipewright.Workspace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The test workspace: running pipelines with stand-ins, and single steps on given inputs. */
@ExtendWith(PipewrightExtension.class)
class TestWorkspaceTest {
  private static final List<String> RAN = new CopyOnWriteArrayList<>();
  private static Path seen;

  @TempDir
  Path tmp;

  /** prep -> train -> evaluate -> deploy (only when accuracy >= minAccuracy); train is "expensive". */
  static Pipeline pipeline() {
    Pipeline p = Pipeline.named("shop").parameter("epochs", 100).parameter("minAccuracy", 0.5);
    Step prep = p.prep("prep").produces("rows", Dataset.class).runs(ctx -> {
      RAN.add("prep");
      Files.writeString(ctx.outputDir("rows").resolve("rows.csv"), "a,1\nb,0\nc,1\n");
    });
    Step train = p.train("train").input("rows", prep.dataset("rows")).uses("epochs").runs(ExpensiveTraining.class);
    Step evaluate = p.evaluate("evaluate").input("model", train.model()).input("rows", prep.dataset("rows"))
        .runs(CountRows.class);
    p.deploy("deploy").input("model", train.model())
        .when(io.pipewright.Condition.metric(evaluate.metrics(), "accuracy").atLeast("minAccuracy"))
        .produces("release", Map.class)
        .runs(ctx -> ctx.write("release", Map.of("model", ctx.model("model").files().get(0).path(), "ok", true)));
    return p;
  }

  /** Writes a model named after its epochs; a test would rather not wait for it. */
  public static final class ExpensiveTraining implements StepBody {
    @Override
    public void run(StepContext ctx) throws IOException {
      RAN.add("expensive");
      Files.writeString(ctx.outputDir("model").resolve("model-" + ctx.intParam("epochs") + ".bin"), "weights");
    }
  }

  /** The stand-in: a tiny model. */
  public static final class TinyModel implements StepBody {
    @Override
    public void run(StepContext ctx) throws IOException {
      RAN.add("tiny");
      Files.writeString(ctx.outputDir("model").resolve("tiny.bin"), "w");
    }
  }

  /** accuracy: the share of rows labelled 1; rows: how many. */
  public static final class CountRows implements StepBody {
    @Override
    public void run(StepContext ctx) throws IOException {
      List<String> rows = Files.readAllLines(ctx.dataset("rows").singleFile());
      long ones = rows.stream().filter(r -> r.endsWith(",1")).count();
      ctx.model("model"); // must be there
      ctx.write("metrics", Metrics.of("accuracy", ones / (double) rows.size(), "rows", rows.size()));
    }
  }

  @Test
  void runsAPipelineWithAStandInInPlaceOfAnExpensiveStep(TestWorkspace ws) {
    RAN.clear();

    Run run = ws.run(pipeline(), Map.of("minAccuracy", 0.9), StandIn.replace("train", TinyModel.class));

    assertThat(RAN).containsExactly("prep", "tiny");
    assertThat(run).succeeded()
        .step("train").ran()
        .step("evaluate").ran()
        .step("deploy").wasSkippedBecause("accuracy 0.6667 < minAccuracy 0.9");
    seen = ws.dir();
  }

  @Test
  void aLambdaStandInAndTheRealStepAreNotReusedForEachOther(TestWorkspace ws) {
    RAN.clear();

    Run standIn = ws.run(pipeline(), StandIn.replace("train", ctx -> {
      RAN.add("lambda");
      Files.writeString(ctx.outputDir("model").resolve("l.bin"), "l");
    }));
    Run real = ws.run(pipeline());

    assertThat(RAN).containsExactly("prep", "lambda", "expensive");
    assertThat(standIn).succeeded().step("deploy").ran().outputValue("release")
        .isEqualTo(Map.of("model", "l.bin", "ok", true));
    assertThat(real).succeeded().reused("prep").ran("train", "evaluate", "deploy")
        .step("prep").wasReusedFrom(standIn);
  }

  @Test
  void aStandInForAStepThePipelineLacksIsRefusedNamingTheSteps(TestWorkspace ws) {
    assertThatThrownBy(() -> ws.run(pipeline(), StandIn.replace("trian", TinyModel.class)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("pipeline 'shop' has no step 'trian' (steps: prep, train, evaluate, deploy)");
  }

  @Test
  void runsOneStepOnAFolderAndAFileGivenByTheTest(TestWorkspace ws) throws IOException {
    Path model = Files.createDirectories(tmp.resolve("model"));
    Files.writeString(model.resolve("m.bin"), "m");
    Path rows = Files.writeString(tmp.resolve("rows.csv"), "a,1\nb,1\nc,1\nd,0\n");

    Run run = ws.step(pipeline(), "evaluate").input("model", model).input("rows", rows).run();

    assertThat(run).succeeded().step("evaluate").ran().metric("accuracy").isEqualTo(0.75);
    assertThat(run).step("evaluate").metric("rows").isEqualTo(4.0);
    assertThat(run).step("given.rows").outputFile("value", "rows.csv").hasContent("a,1\nb,1\nc,1\nd,0\n");
    assertThat(run.steps()).extracting(s -> s.name()).containsExactly("given.model", "given.rows", "evaluate");
  }

  @Test
  void runsOneStepOnValuesAndParametersGivenByTheTest(TestWorkspace ws) throws IOException {
    Pipeline p = Pipeline.named("values").parameter("scale", 2);
    Step source = p.step("source").produces("n", Long.class).produces("m", Metrics.class).runs(ctx -> {});
    p.step("sum").input("n", source.value("n", Long.class)).input("m", source.metrics("m")).uses("scale")
        .produces("total", Double.class)
        .runs(ctx -> ctx.write("total", ctx.intParam("scale") * (ctx.value("n", Long.class)
            + ctx.metrics("m").get("x"))));

    Run run = ws.step(p, "sum").input("n", 3L).input("m", Map.of("x", 0.5)).param("scale", 10).run();

    assertThat(run).succeeded().step("sum").outputValue("total").isEqualTo(35.0);
    assertThat(run).step("given.m").metric("x").isEqualTo(0.5);
  }

  @Test
  void aSingleStepRunNeedsEveryUpstreamInputInTheRightForm(TestWorkspace ws) {
    assertThatThrownBy(() -> ws.step(pipeline(), "evaluate").input("model", tmp).run())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("step 'evaluate' reads rows from other steps: give it with input(name, files or value)");
    assertThatThrownBy(() -> ws.step(pipeline(), "evaluate").input("model", 0.5).input("rows", tmp).run())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("input 'model' of step 'evaluate' is a Model: give a Path to its files, not a Double");
    assertThatThrownBy(() -> ws.step(pipeline(), "evaluate").input("modle", tmp))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("step 'evaluate' has no input 'modle' (inputs: model, rows)");
    assertThatThrownBy(() -> ws.step(pipeline(), "evaluat"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("pipeline 'shop' has no step 'evaluat' (steps: prep, train, evaluate, deploy)");
  }

  @Test
  void invalidParametersAreRefusedBeforeAnythingRuns(TestWorkspace ws) {
    assertThatThrownBy(() -> ws.run(pipeline(), Map.of("epochs", "many")))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("parameter 'epochs'");
    assertThat(ws.workspace().runs().list(10)).isEmpty();
  }

  @Test
  void aTestMayAskForAPlainWorkspaceToo(Workspace plain, TestWorkspace kit) {
    assertThat(plain.dir()).isNotEqualTo(kit.dir());
    assertThat(Files.isDirectory(plain.dir())).isTrue();
  }

  @AfterAll
  static void theWorkspaceIsDeletedAfterTheTest() {
    assertThat(seen).isNotNull();
    assertThat(Files.exists(seen)).isFalse();
  }
}
