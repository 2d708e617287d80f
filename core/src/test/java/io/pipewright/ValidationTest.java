package io.pipewright;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.pipewright.spi.Capacity;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Whole-graph and run-parameter problems: exact messages, all of them at once. */
class ValidationTest {
  private static final StepBody NOTHING = ctx -> {};

  @TempDir
  Path tmp;

  private static List<String> messages(List<Problem> problems) {
    return problems.stream().map(Problem::message).toList();
  }

  @Test
  void aValidPipelineHasNoProblems() {
    Pipeline p = Pipeline.named("p").parameter("epochs", 3);
    Step a = p.prep("a").produces("out", Dataset.class).runs(NOTHING);
    Step b = p.step("b").input("in", a.dataset("out")).runs(NOTHING);
    Step c = p.step("c").input("in", a.dataset("out")).runs(NOTHING);
    p.step("d").after(b, c).uses("epochs").runs(NOTHING);

    assertThat(p.validate()).isEmpty();
  }

  @Test
  void reportsEveryProblemAtOnceInTheOrderFound() throws Exception {
    Path missing = tmp.resolve("missing.csv");
    Pipeline p = Pipeline.named("p").parameter("epochs", 20).parameter("seed", ParameterType.INTEGER);
    p.prep("split").input("raw", missing).produces("train", Dataset.class).produces("train", Dataset.class)
        .runs(NOTHING);
    p.train("train").input("data", new Output<>("splt", "train", Dataset.class))
        .input("data", new Output<>("split", "train", Dataset.class))
        .produces("model", Model.class).uses("epochs", "lr").on("gpu").runs(NOTHING);
    p.evaluate("eval").input("data", new Output<>("train", "model", Dataset.class))
        .input("m", new Output<>("split", "tests", Dataset.class)).runs(NOTHING);
    p.step("report").produces("summary", String.class);
    p.deploy("export").produces("file", File.class).resources(r -> r.gpus(1)).runs(NOTHING);
    p.step("split").runs(NOTHING);
    p.step("a").after("b").runs(NOTHING);
    p.step("b").after("a").runs(NOTHING);

    List<String> expected = List.of(
        "step 'split' is declared 2 times",
        "step 'split': output 'train' is declared twice",
        "step 'split': input 'raw': no such file or folder " + missing.toAbsolutePath(),
        "step 'train': input 'data' is declared twice",
        "step 'train': input 'data' refers to step 'splt', which does not exist -- did you mean 'split'?",
        "step 'train': uses parameter 'lr', which the pipeline does not declare (declared: epochs, seed)",
        "step 'eval': input 'data' expects Dataset but output 'model' of step 'train' is Model",
        "step 'eval': input 'm' refers to output 'tests' of step 'split', which it does not produce (produces:"
            + " train)",
        "step 'report' has no body: end its declaration with runs(...)",
        "step 'export': output 'file' has unsupported type java.io.File (supported: Dataset, Model, Metrics,"
            + " String, Integer, Long, Double, Boolean, List, Map, JsonNode)",
        "steps form a cycle: b -> a -> b",
        "step 'train': compute target 'gpu' is not configured (configured: local) -- bind it in the workspace config",
        "step 'export': needs 1 gpu but it has 0 on target 'local' (type local)",
        "parameter 'epochs': expected an integer, got 'abc'",
        "parameter 'seed' (integer) has no default and no value was given",
        "unknown parameter 'batch' (declared: epochs, seed)");

    try (Workspace ws = Workspace.open(tmp.resolve("ws"))) {
      Map<String, Object> params = Map.of("epochs", "abc", "batch", 5);
      assertThat(messages(ws.validate(p, params))).containsExactlyElementsOf(expected);

      ValidationException e = catchThrowableOfType(() -> ws.submit(p, params), ValidationException.class);

      assertThat(messages(e.problems())).containsExactlyElementsOf(expected);
      assertThat(e.problems()).extracting(Problem::step).containsExactly("split", "split", "split", "train",
          "train", "train", "eval", "eval", "report", "export", "b", "train", "export", null, null, null);
      assertThat(e).hasMessage("pipeline 'p' is invalid (16 problems):\n  - " + String.join("\n  - ", expected));
      assertThat(e).isInstanceOf(UserException.class);
    }
  }

  @Test
  void submitRecordsNothingForAnInvalidPipeline() throws Exception {
    Pipeline p = Pipeline.named("p");
    p.step("a").after("nope").runs(ctx -> {
      throw new AssertionError("must not run");
    });
    Path dir = tmp.resolve("ws");
    try (Workspace ws = Workspace.open(dir)) {
      assertThatThrownBy(() -> ws.submit(p)).isInstanceOf(ValidationException.class)
          .hasMessage("pipeline 'p' is invalid: step 'a': runs after step 'nope', which does not exist");
      assertThat(ws.runs().list(10)).isEmpty();
    }
    try (Workspace reopened = Workspace.open(dir); Stream<Path> staging = Files.list(dir.resolve("tmp"))) {
      assertThat(reopened.runs().list(10)).isEmpty();
      assertThat(staging).isEmpty();
      assertThat(dir.resolve("data").resolve("objects")).doesNotExist();
    }
  }

  @Test
  void printsATwoStepCycleInTheDirectionDataFlows() {
    Pipeline p = Pipeline.named("p");
    p.step("a").input("in", new Output<>("b", "out", Dataset.class)).produces("out", Dataset.class).runs(NOTHING);
    p.step("b").input("in", new Output<>("a", "out", Dataset.class)).produces("out", Dataset.class).runs(NOTHING);

    assertThat(messages(p.validate())).containsExactly("steps form a cycle: b -> a -> b");
  }

  @Test
  void reportsAStepThatRunsAfterItself() {
    Pipeline p = Pipeline.named("p");
    p.step("a").after("a").runs(NOTHING);

    assertThat(messages(p.validate())).containsExactly("steps form a cycle: a -> a");
  }

  @Test
  void reportsAThreeStepCycleOnceAndNotTheStepsDownstreamOfIt() {
    Pipeline p = Pipeline.named("p");
    p.step("a").after("c").runs(NOTHING);
    p.step("b").after("a").runs(NOTHING);
    p.step("c").after("b").runs(NOTHING);
    p.step("d").after("c").runs(NOTHING);

    assertThat(messages(p.validate())).containsExactly("steps form a cycle: b -> c -> a -> b");
  }

  @Test
  void aDiamondIsNotACycle() {
    Pipeline p = Pipeline.named("p");
    Step top = p.step("top").runs(NOTHING);
    Step left = p.step("left").after(top).runs(NOTHING);
    Step right = p.step("right").after(top).runs(NOTHING);
    p.step("bottom").after(left, right).runs(NOTHING);

    assertThat(p.validate()).isEmpty();
  }

  @Test
  void aLongChainIsCheckedWithoutOverflowingTheStack() {
    Pipeline p = Pipeline.named("p");
    Step previous = p.step("s0").runs(NOTHING);
    for (int i = 1; i < 20_000; i++) {
      previous = p.step("s" + i).after(previous).runs(NOTHING);
    }
    p.step("s0").runs(NOTHING);

    assertThat(messages(p.validate())).containsExactly("step 's0' is declared 2 times");
  }

  @Test
  void suggestsTheClosestStepForAMissingOneOnlyWhenItIsClose() {
    Pipeline p = Pipeline.named("p");
    p.prep("split").produces("train", Dataset.class).runs(NOTHING);
    p.step("a").input("data", new Output<>("spilt", "train", Dataset.class)).runs(NOTHING);
    p.step("b").input("data", new Output<>("features", "train", Dataset.class)).runs(NOTHING);
    p.step("c").after("splitt").runs(NOTHING);

    assertThat(messages(p.validate())).containsExactly(
        "step 'a': input 'data' refers to step 'spilt', which does not exist -- did you mean 'split'?",
        "step 'b': input 'data' refers to step 'features', which does not exist",
        "step 'c': runs after step 'splitt', which does not exist -- did you mean 'split'?");
  }

  @Test
  void namesTheOutputsAStepDoesProduceWhenAnInputAsksForAnother() {
    Pipeline p = Pipeline.named("p");
    Step split = p.prep("split").produces("train", Dataset.class).produces("test", Dataset.class).runs(NOTHING);
    Step count = p.prep("count").runs(NOTHING);
    p.step("a").input("data", split.dataset("validation")).input("n", count.value("n", Long.class))
        .runs(NOTHING);

    assertThat(messages(p.validate())).containsExactly(
        "step 'a': input 'data' refers to output 'validation' of step 'split', which it does not produce"
            + " (produces: test, train)",
        "step 'a': input 'n' refers to output 'n' of step 'count', which it does not produce (produces: nothing)");
  }

  @Test
  void reportsAnInputWhoseTypeDiffersFromTheOutputItConsumes() {
    Pipeline p = Pipeline.named("p");
    Step train = p.train("train").produces("model", Model.class).produces("score", Double.class).runs(NOTHING);
    p.step("a").input("data", train.value("model", Dataset.class)).input("s", train.value("score", Long.class))
        .input("m", train.metrics("model")).runs(NOTHING);

    assertThat(messages(p.validate())).containsExactly(
        "step 'a': input 'data' expects Dataset but output 'model' of step 'train' is Model",
        "step 'a': input 's' expects Long but output 'score' of step 'train' is Double",
        "step 'a': input 'm' expects Metrics but output 'model' of step 'train' is Model");
  }

  @Test
  void acceptsWideningAnIntegerOrLongValueToADoubleOrAnyValueToJson() {
    Pipeline p = Pipeline.named("p");
    Step a = p.step("a").produces("count", Long.class).produces("small", Integer.class)
        .produces("names", List.class).runs(NOTHING);
    p.step("b").input("count", a.value("count", Double.class)).input("small", a.value("small", Long.class))
        .input("small2", a.value("small", Double.class))
        .input("names", a.value("names", com.fasterxml.jackson.databind.JsonNode.class)).runs(NOTHING);

    assertThat(p.validate()).isEmpty();
  }

  @Test
  void reportsStepsDeclaredTwiceAndOutputsOrInputsDeclaredTwiceWithinAStep() {
    Pipeline p = Pipeline.named("p");
    Step a = p.step("a").produces("out", Dataset.class).produces("out", Model.class).runs(NOTHING);
    p.step("b").input("in", a.dataset("out")).input("in", Path.of(".")).runs(NOTHING);
    p.step("a").runs(NOTHING);
    p.step("a").runs(NOTHING);

    assertThat(messages(p.validate())).containsExactly(
        "step 'a' is declared 3 times",
        "step 'a': output 'out' is declared twice",
        "step 'b': input 'in' is declared twice");
  }

  @Test
  void reportsAStepWithoutABody() {
    Pipeline p = Pipeline.named("p");
    p.step("a").produces("out", Dataset.class);

    assertThat(messages(p.validate())).containsExactly("step 'a' has no body: end its declaration with runs(...)");
  }

  @Test
  void reportsABodyClassWithoutANoArgumentConstructor() {
    Pipeline p = Pipeline.named("p");
    p.step("a").runs(NeedsArgument.class);

    assertThat(messages(p.validate())).containsExactly("step 'a': body class " + NeedsArgument.class.getName()
        + " has no no-argument constructor");
  }

  static final class NeedsArgument implements StepBody {
    NeedsArgument(String ignored) {}

    @Override
    public void run(StepContext ctx) {}
  }

  @Test
  void reportsAnOutputOfAnUnsupportedType() {
    Pipeline p = Pipeline.named("p");
    p.step("a").produces("when", java.time.Instant.class).runs(NOTHING);

    assertThat(messages(p.validate())).containsExactly("step 'a': output 'when' has unsupported type"
        + " java.time.Instant (supported: Dataset, Model, Metrics, String, Integer, Long, Double, Boolean, List, Map,"
        + " JsonNode)");
  }

  @Test
  void reportsAnExternalInputThatDoesNotExist() throws Exception {
    Path present = Files.writeString(tmp.resolve("present.csv"), "x\n");
    Pipeline p = Pipeline.named("p");
    p.step("a").input("raw", tmp.resolve("absent.csv")).input("ok", present).input("folder", tmp).runs(NOTHING);

    assertThat(messages(p.validate())).containsExactly(
        "step 'a': input 'raw': no such file or folder " + tmp.resolve("absent.csv").toAbsolutePath());
  }

  @Test
  void reportsAnUnknownComputeTargetListingTheConfiguredOnes() {
    Pipeline p = Pipeline.named("p");
    p.train("train").on("gpu2").runs(NOTHING);
    p.step("ok").on("gpu").runs(NOTHING);

    try (Workspace ws = Workspace.builder(tmp.resolve("ws"))
        .target("gpu", new FixedCapacityTarget(new Capacity(8, 64L << 30, 2, 4)))
        .target("spark", new FixedCapacityTarget(new Capacity(8, 64L << 30, 0, 4))).open()) {
      assertThat(ws.targets()).containsExactly("local", "gpu", "spark");
      assertThat(messages(ws.validate(p))).containsExactly(
          "step 'train': compute target 'gpu2' is not configured (configured: local, gpu, spark) -- bind it in the"
              + " workspace config");
    }
  }

  @Test
  void reportsGpusTheLocalTargetDoesNotHave() {
    Pipeline p = Pipeline.named("p");
    p.train("train").resources(r -> r.gpus(2)).runs(NOTHING);

    assertThat(messages(p.validate())).containsExactly(
        "step 'train': needs 2 gpus but it has 0 on target 'local' (type local)");
  }

  @Test
  void reportsCpusAndMemoryBeyondTheTargetsCapacityTogether() {
    Pipeline p = Pipeline.named("p");
    p.train("fit").on("small").resources(r -> r.cpus(4).memory("2g")).runs(NOTHING);
    p.train("big").on("small").resources(r -> r.memory("1536m")).runs(NOTHING);
    p.step("fits").on("small").resources(r -> r.cpus(2).memory("1g")).runs(NOTHING);

    try (Workspace ws = Workspace.builder(tmp.resolve("ws"))
        .target("small", new FixedCapacityTarget(new Capacity(2, 1L << 30, 0, 1))).open()) {
      assertThat(messages(ws.validate(p))).containsExactly(
          "step 'fit': needs 4 cpus but it has 2, 2g of memory but it has 1g on target 'small' (type fixed)",
          "step 'big': needs 1536m of memory but it has 1g on target 'small' (type fixed)");
    }
  }

  @Test
  void aStepWithinItsTargetsCapacityRunsOnThatTarget() {
    Pipeline p = Pipeline.named("p");
    p.step("fits").on("small").resources(r -> r.cpus(2).memory("1g"))
        .runs(ctx -> ctx.log().info("on {}", Thread.currentThread().getName()));

    try (Workspace ws = Workspace.builder(tmp.resolve("ws"))
        .target("small", new FixedCapacityTarget(new Capacity(2, 1L << 30, 0, 1))).open()) {
      Run run = ws.submit(p).await();

      assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(run.step("fits").computeTarget()).isEqualTo("small");
      assertThat(ws.runs().get(run.id()).step("fits").computeTarget()).isEqualTo("small");
    }
  }

  @Test
  void reportsAStepUsingAParameterThePipelineDoesNotDeclare() {
    Pipeline p = Pipeline.named("p");
    p.step("a").uses("epochs").runs(NOTHING);
    Pipeline q = Pipeline.named("q").parameter("lr", 0.1).parameter("epochs", 10);
    q.step("a").uses("epoch").runs(NOTHING);

    assertThat(messages(p.validate())).containsExactly(
        "step 'a': uses parameter 'epochs', which the pipeline does not declare (declared: none)");
    assertThat(messages(q.validate())).containsExactly(
        "step 'a': uses parameter 'epoch', which the pipeline does not declare (declared: lr, epochs)");
  }

  @Test
  void reportsUnknownIllTypedAndMissingRunParameters() {
    Pipeline p = Pipeline.named("p").parameter("epochs", 20).parameter("lr", 0.1).parameter("shuffle", true)
        .parameter("seed", ParameterType.INTEGER);
    p.step("a").uses("epochs", "lr", "shuffle", "seed").runs(NOTHING);

    try (Workspace ws = Workspace.open(tmp.resolve("ws"))) {
      assertThat(messages(ws.validate(p, Map.of("epochs", "abc", "lr", "fast", "shuffle", "yes", "epoch", 3,
          "batch", 2)))).containsExactly(
              "parameter 'epochs': expected an integer, got 'abc'",
              "parameter 'lr': expected a number, got 'fast'",
              "parameter 'shuffle': expected true or false, got 'yes'",
              "parameter 'seed' (integer) has no default and no value was given",
              "unknown parameter 'batch' (declared: epochs, lr, shuffle, seed)",
              "unknown parameter 'epoch' (declared: epochs, lr, shuffle, seed)");
      assertThat(messages(ws.validate(p, Map.of("epochs", 2.5, "seed", 1))))
          .containsExactly("parameter 'epochs': expected an integer, got 2.5");
      assertThat(ws.validate(p, Map.of("epochs", " 30 ", "lr", 1, "shuffle", "FALSE", "seed", 7L))).isEmpty();
    }
  }

  @Test
  void aSingleProblemIsTheWholeMessage() {
    Pipeline p = Pipeline.named("digits").parameter("epochs", 20);
    p.step("a").uses("epochs").runs(NOTHING);

    try (Workspace ws = Workspace.open(tmp.resolve("ws"))) {
      assertThatThrownBy(() -> ws.submit(p, Map.of("epochs", "many")))
          .isInstanceOf(ValidationException.class)
          .hasMessage("pipeline 'digits' is invalid: parameter 'epochs': expected an integer, got 'many'");
    }
  }
}
