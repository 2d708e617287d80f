package io.pipewright;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pipeline.withBody: a copy of a pipeline with one step's body replaced by a stand-in. */
class StandInTest {
  @TempDir
  Path tmp;

  private final List<String> ran = new CopyOnWriteArrayList<>();

  /** prep -> train (expensive) -> evaluate, train gated by nothing, using epochs. */
  private Pipeline pipeline() {
    Pipeline p = Pipeline.named("p").parameter("epochs", 10);
    Step prep = p.prep("prep").produces("rows", Dataset.class).runs(ctx -> {
      ran.add("prep");
      Files.writeString(ctx.outputDir("rows").resolve("rows.csv"), "1,2\n");
    });
    Step train = p.train("train").input("rows", prep.dataset("rows")).uses("epochs").retries(2).runs(ctx -> {
      ran.add("train");
      Files.writeString(ctx.outputDir("model").resolve("model.bin"), "big");
    });
    p.evaluate("evaluate").input("model", train.model()).runs(ctx -> {
      ran.add("evaluate");
      String model = Files.readString(ctx.model("model").file("model.bin"));
      ctx.write("metrics", Metrics.of("size", model.length()));
    });
    return p;
  }

  /** A stand-in for train, as a class. */
  public static final class TinyModel implements StepBody {
    @Override
    public void run(StepContext ctx) throws Exception {
      Files.writeString(ctx.outputDir("model").resolve("model.bin"), "t");
    }
  }

  /** A stand-in that needs an argument: not instantiable by the engine. */
  public static final class NeedsArgument implements StepBody {
    public NeedsArgument(String unused) {}

    @Override
    public void run(StepContext ctx) {}
  }

  @Test
  void theCopyRunsTheStandInInPlaceOfTheStepAndKeepsEverythingElse() {
    Pipeline original = pipeline();
    Pipeline replaced = original.withBody("train", TinyModel.class);

    Step before = original.steps().get(1);
    Step after = replaced.steps().get(1);
    assertThat(after.bodyType()).isEqualTo(TinyModel.class);
    assertThat(after.bodyInstance()).isEmpty();
    assertThat(after.name()).isEqualTo(before.name());
    assertThat(after.kind()).isEqualTo(StepKind.TRAIN);
    assertThat(after.inputs()).isEqualTo(before.inputs());
    assertThat(after.outputs()).isEqualTo(before.outputs());
    assertThat(after.parameters()).containsExactly("epochs");
    assertThat(after.retry()).isEqualTo(before.retry());
    assertThat(replaced.parameters()).isEqualTo(original.parameters());
    assertThat(replaced.toString()).isEqualTo(original.toString());
    assertThat(original.steps().get(1).bodyType()).isNotEqualTo(TinyModel.class);

    try (Workspace ws = Workspace.builder(tmp.resolve("ws")).open()) {
      Run run = ws.submit(replaced).await();

      assertThat(run.status()).as("%s", run).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(ran).containsExactly("prep", "evaluate");
      assertThat(run.step("evaluate").metrics()).isEqualTo(Map.of("size", 1.0));
    }
  }

  @Test
  void aLambdaStandInWorksTooAndTheOriginalIsUnchanged() {
    Pipeline original = pipeline();
    Pipeline replaced = original.withBody("train", ctx -> {
      ran.add("stand-in");
      Files.writeString(ctx.outputDir("model").resolve("model.bin"), "tiny");
    });

    try (Workspace ws = Workspace.builder(tmp.resolve("ws")).open()) {
      Run withStandIn = ws.submit(replaced, RunOptions.defaults().reuse(false)).await();
      Run real = ws.submit(original, RunOptions.defaults().reuse(false)).await();

      assertThat(withStandIn.step("evaluate").metrics()).isEqualTo(Map.of("size", 4.0));
      assertThat(real.step("evaluate").metrics()).isEqualTo(Map.of("size", 3.0));
      assertThat(ran).containsExactly("prep", "stand-in", "evaluate", "prep", "train", "evaluate");
    }
  }

  /** prep -> train -> evaluate with lambdas that capture nothing, so that their steps can be reused. */
  private static Pipeline reusable() {
    Pipeline p = Pipeline.named("r");
    Step prep = p.prep("prep").produces("rows", Dataset.class)
        .runs(ctx -> Files.writeString(ctx.outputDir("rows").resolve("rows.csv"), "1,2\n"));
    Step train = p.train("train").input("rows", prep.dataset("rows"))
        .runs(ctx -> Files.writeString(ctx.outputDir("model").resolve("model.bin"), "big"));
    p.evaluate("evaluate").input("model", train.model())
        .runs(ctx -> ctx.write("metrics", Metrics.of("size", Files.readString(ctx.model("model").file("model.bin"))
            .length())));
    return p;
  }

  @Test
  void aLambdaStandInFromTheClassThatWroteTheStepIsNotTakenForTheStepsOwnLambda() {
    try (Workspace ws = Workspace.builder(tmp.resolve("ws")).open()) {
      ws.submit(reusable()).await();
      Run again = ws.submit(reusable()).await();
      Run withStandIn = ws.submit(reusable().withBody("train",
          ctx -> Files.writeString(ctx.outputDir("model").resolve("model.bin"), "tiny"))).await();

      assertThat(again.steps()).extracting(StepRun::status).containsOnly(StepStatus.REUSED);
      assertThat(withStandIn.steps()).extracting(StepRun::status)
          .containsExactly(StepStatus.REUSED, StepStatus.SUCCEEDED, StepStatus.SUCCEEDED);
      assertThat(withStandIn.step("evaluate").metrics()).isEqualTo(Map.of("size", 4.0));
      assertThat(reusable().withBody("train", TinyModel.class).steps().get(1).standIn()).isTrue();
      assertThat(reusable().steps().get(1).standIn()).isFalse();
    }
  }

  @Test
  void withInputReadsOtherFilesInPlaceOfAnInputAndLeavesTheOriginalAsItIs() throws Exception {
    Pipeline p = Pipeline.named("count");
    Step count = p.prep("count").input("rows", tmp.resolve("absent.csv")).produces("n", Long.class)
        .runs(ctx -> ctx.write("n", (long) Files.readAllLines(ctx.dataset("rows").singleFile()).size()));
    p.step("report").input("n", count.value("n", Long.class)).input("rows", tmp.resolve("absent.csv"))
        .runs(ctx -> {});
    Path fixture = Files.writeString(tmp.resolve("three.csv"), "a\nb\nc\n");

    Pipeline given = p.withInput("count", "rows", fixture).withInput("report", "rows", fixture);

    assertThat(p.validate()).extracting(Problem::message).anyMatch(m -> m.contains("absent.csv"));
    assertThat(given.validate()).isEmpty();
    assertThat(given.steps().get(0).inputs().get("rows")).isEqualTo(new StepInput.External(fixture));
    try (Workspace ws = Workspace.builder(tmp.resolve("ws")).open()) {
      Run run = ws.submit(given).await();

      assertThat(run.status()).as("%s", run).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(Files.readString(Path.of(run.step("count").outputs().get("n")))).contains("\"value\" : 3");
    }
  }

  @Test
  void withInputRefusesAnInputNotReadAsADataset() {
    Pipeline p = pipeline();

    assertThatThrownBy(() -> p.withInput("evaluate", "model", tmp))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("input 'model' of step 'evaluate' is a Model from step 'train': only an input read as a Dataset"
            + " can be given as files");
    assertThatThrownBy(() -> p.withInput("train", "data", tmp))
        .hasMessage("step 'train' has no input 'data' (inputs: rows)");
    assertThat(p.withInput("train", "rows", tmp).steps().get(1).dependsOn()).isEmpty();
    assertThat(p.steps().get(1).dependsOn()).containsExactly("prep");
  }

  @Test
  void laterStepsAddedToTheCopyDoNotChangeTheOriginal() {
    Pipeline original = pipeline();
    Pipeline replaced = original.withBody("prep", TinyModel.class);
    replaced.step("extra").runs(ctx -> {});

    assertThat(replaced.steps()).hasSize(4);
    assertThat(original.steps()).extracting(Step::name).containsExactly("prep", "train", "evaluate");
  }

  @Test
  void aStandInThatDoesNotWriteTheDeclaredOutputsFailsTheStepNamingTheOutput() {
    Pipeline replaced = pipeline().withBody("train", ctx -> ctx.log().info("forgot the model"));

    try (Workspace ws = Workspace.builder(tmp.resolve("ws")).open()) {
      Run run = ws.submit(replaced).await();

      assertThat(run.status()).isEqualTo(RunStatus.FAILED);
      assertThat(run.step("train").error()).startsWith(
          "step 'train' finished without writing its declared output 'model' (Model)");
      assertThat(run.step("evaluate").status()).isEqualTo(StepStatus.SKIPPED);
    }
  }

  @Test
  void refusesAnUnknownStepAndABodyTheEngineCannotCreate() {
    Pipeline p = pipeline();

    assertThatThrownBy(() -> p.withBody("trian", TinyModel.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("pipeline 'p' has no step 'trian' (steps: prep, train, evaluate)");
    assertThatThrownBy(() -> p.withBody("train", NeedsArgument.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("stand-in for step 'train': body class " + NeedsArgument.class.getName()
            + " has no no-argument constructor");
  }
}
