package io.pipewright;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Building the DAG, and the argument checks that fail at once with the offending value. */
class PipelineTest {
  private static final StepBody NOTHING = ctx -> {};

  @Test
  void consumingAnOutputMakesADataEdgeToItsProducer() {
    Pipeline p = Pipeline.named("p");
    Step split = p.prep("split").produces("train", Dataset.class).produces("test", Dataset.class).runs(NOTHING);
    Step train = p.train("train").input("data", split.dataset("train")).produces("model", Model.class).runs(NOTHING);
    Step eval = p.evaluate("eval").input("model", train.model("model")).input("data", split.dataset("test"))
        .runs(NOTHING);

    assertThat(split.dependsOn()).isEmpty();
    assertThat(train.dependsOn()).containsExactly("split");
    assertThat(eval.dependsOn()).containsExactly("train", "split");
    assertThat(eval.inputs().get("model")).isEqualTo(new StepInput.Upstream(new Output<>("train", "model",
        Model.class)));
  }

  @Test
  void afterAddsAnOrderingOnlyEdgeWithoutAnInput() {
    Pipeline p = Pipeline.named("p");
    Step migrate = p.step("migrate").runs(NOTHING);
    Step load = p.step("load").after(migrate).after("cleanup").runs(NOTHING);
    p.step("cleanup").runs(NOTHING);

    assertThat(load.inputs()).isEmpty();
    assertThat(load.after()).containsExactly("migrate", "cleanup");
    assertThat(load.dependsOn()).containsExactly("migrate", "cleanup");
  }

  @Test
  void dependsOnListsEachUpstreamOnceWhetherReachedByDataOrOrdering() {
    Pipeline p = Pipeline.named("p");
    Step a = p.step("a").produces("x", Dataset.class).produces("y", Long.class).runs(NOTHING);
    Step b = p.step("b").input("x", a.dataset("x")).input("y", a.value("y", Long.class)).after(a).runs(NOTHING);

    assertThat(b.dependsOn()).containsExactly("a");
  }

  @Test
  void stepsAreASnapshotInDeclarationOrderThatLaterChangesDoNotAlter() {
    Pipeline p = Pipeline.named("p").parameter("n", 1);
    StepBuilder builder = p.step("a").produces("out", Dataset.class);
    Step declared = builder.runs(NOTHING);
    p.step("b").after(declared).runs(NOTHING);

    List<Step> before = p.steps();
    builder.produces("late", Dataset.class).uses("n");

    assertThat(before).extracting(Step::name).containsExactly("a", "b");
    assertThat(before.get(0).outputs()).containsOnlyKeys("out");
    assertThat(declared.outputs()).containsOnlyKeys("out");
    assertThat(p.steps().get(0).outputs()).containsOnlyKeys("out", "late");
  }

  @Test
  void stepsRecordTheirKindTargetResourcesTimeoutAndRetryPolicy() {
    Pipeline p = Pipeline.named("p");
    Step train = p.train("train").on("gpu").resources(r -> r.cpus(4).memory("8g").gpus(1))
        .timeout(Duration.ofMinutes(5)).retries(2).runs(NOTHING);
    Step plain = p.step("plain").runs(NOTHING);

    assertThat(train.kind()).isEqualTo(StepKind.TRAIN);
    assertThat(train.target()).isEqualTo("gpu");
    assertThat(train.resources()).isEqualTo(new Resources(4, 8L << 30, 1));
    assertThat(train.timeout()).contains(Duration.ofMinutes(5));
    assertThat(train.retry().maxRetries()).isEqualTo(2);
    assertThat(plain.kind()).isEqualTo(StepKind.CUSTOM);
    assertThat(plain.target()).isEqualTo("local");
    assertThat(plain.resources()).isEqualTo(Resources.DEFAULT);
    assertThat(plain.timeout()).isEmpty();
    assertThat(plain.retry()).isEqualTo(RetryPolicy.NONE);
  }

  @Test
  void kindShortcutsDeclareStepsOfThatKind() {
    Pipeline p = Pipeline.named("p");
    p.prep("a").runs(NOTHING);
    p.train("b").runs(NOTHING);
    p.evaluate("c").runs(NOTHING);
    p.deploy("d").runs(NOTHING);
    p.step("e", StepKind.TRAIN).runs(NOTHING);

    assertThat(p.steps()).extracting(Step::kind)
        .containsExactly(StepKind.PREP, StepKind.TRAIN, StepKind.EVALUATE, StepKind.DEPLOY, StepKind.TRAIN);
  }

  @Test
  void toStringListsEveryStepWithItsKindAndUpstreams() {
    Pipeline p = Pipeline.named("digits").parameter("epochs", 20).parameter("seed", ParameterType.INTEGER);
    Step split = p.prep("split").produces("train", Dataset.class).runs(NOTHING);
    Step check = p.step("check").runs(NOTHING);
    p.train("train").input("data", split.dataset("train")).after(check).runs(NOTHING);

    List<String> lines = p.toString().lines().toList();

    assertThat(lines.get(0)).isEqualTo("Pipeline digits (3 steps; epochs=20, seed=?)");
    assertThat(lines).hasSize(4);
    assertThat(lines.get(1)).matches(" +split +prep *");
    assertThat(lines.get(2)).matches(" +check +custom *");
    assertThat(lines.get(3)).matches(" +train +train +<- split, check");
  }

  @Test
  void toStringShowsTheConditionsOfAGatedStep() {
    Pipeline p = Pipeline.named("p").parameter("minAccuracy", 0.9);
    Step evaluate = p.evaluate("evaluate").runs(NOTHING);
    p.deploy("deploy").when(Condition.metric(evaluate.metrics(), "accuracy").atLeast("minAccuracy"))
        .when(Condition.metric(evaluate.metrics(), "loss").atMost(0.5)).runs(NOTHING);

    assertThat(p.toString().lines().toList().get(2))
        .isEqualTo("  deploy    deploy   <- evaluate when accuracy >= minAccuracy and loss <= 0.5");
  }

  @Test
  void parametersKeepTheirTypeAndCanonicalDefault() {
    Pipeline p = Pipeline.named("p").parameter("epochs", 20).parameter("lr", 0.1f).parameter("name", "x")
        .parameter("shuffle", true).parameter("seed", ParameterType.INTEGER);

    assertThat(p.parameters()).containsOnlyKeys("epochs", "lr", "name", "shuffle", "seed");
    assertThat(p.parameters().get("epochs")).isEqualTo(new Parameter("epochs", ParameterType.INTEGER, 20L));
    assertThat(p.parameters().get("lr").type()).isEqualTo(ParameterType.DOUBLE);
    assertThat(p.parameters().get("lr").defaultValue()).isInstanceOf(Double.class);
    assertThat(p.parameters().get("name")).isEqualTo(new Parameter("name", ParameterType.STRING, "x"));
    assertThat(p.parameters().get("shuffle")).isEqualTo(new Parameter("shuffle", ParameterType.BOOLEAN, true));
    assertThat(p.parameters().get("seed").required()).isTrue();
    assertThat(p.parameters().get("epochs").required()).isFalse();
  }

  // ------------------------------------------------------------------ argument checks

  @Test
  void rejectsABadPipelineNameAtOnceNamingIt() {
    assertThatThrownBy(() -> Pipeline.named("my pipeline"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("pipeline name must be letters, digits, '_', '.' or '-' (not starting with '_', '.' or '-'),"
            + " was 'my pipeline'");
    assertThatThrownBy(() -> Pipeline.named(null)).hasMessageEndingWith(", was null");
  }

  @Test
  void rejectsBadStepInputOutputParameterAndTargetNamesAtOnce() {
    Pipeline p = Pipeline.named("p");
    assertThatThrownBy(() -> p.step("-split")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("step name must be").hasMessageEndingWith(", was '-split'");
    assertThatThrownBy(() -> p.step("")).hasMessageEndingWith(", was ''");
    StepBuilder s = p.step("s");
    assertThatThrownBy(() -> s.produces("a/b", Dataset.class)).hasMessageStartingWith("output name must be")
        .hasMessageEndingWith(", was 'a/b'");
    assertThatThrownBy(() -> s.input("in put", Path.of("x"))).hasMessageStartingWith("input name must be")
        .hasMessageEndingWith(", was 'in put'");
    assertThatThrownBy(() -> s.on("gpu 2")).hasMessageStartingWith("compute target name must be")
        .hasMessageEndingWith(", was 'gpu 2'");
    assertThatThrownBy(() -> p.parameter("_x", 1)).hasMessageStartingWith("parameter name must be")
        .hasMessageEndingWith(", was '_x'");
  }

  @Test
  void rejectsNegativeRetriesAtOnce() {
    StepBuilder s = Pipeline.named("p").step("s");
    assertThatThrownBy(() -> s.retries(-1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("retries must be >= 0, was -1");
    assertThatThrownBy(() -> RetryPolicy.retries(-3)).hasMessage("retries must be >= 0, was -3");
  }

  @Test
  void rejectsATimeoutThatIsNotPositiveAtOnce() {
    StepBuilder s = Pipeline.named("p").step("s");
    assertThatThrownBy(() -> s.timeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("timeout must be > 0, was PT0S");
    assertThatThrownBy(() -> s.timeout(Duration.ofSeconds(-5))).hasMessage("timeout must be > 0, was PT-5S");
  }

  @Test
  void rejectsAMemorySizeItCannotReadAtOnce() {
    StepBuilder s = Pipeline.named("p").step("s");
    assertThatThrownBy(() -> s.resources(r -> r.memory("8x"))).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("memory size must look like 512m or 8g, was '8x'");
    assertThatThrownBy(() -> s.resources(r -> r.memory("-1g")))
        .hasMessage("memory size must look like 512m or 8g, was '-1g'");
    assertThatThrownBy(() -> s.resources(r -> r.cpus(0))).hasMessage("cpus must be >= 1, was 0");
    assertThatThrownBy(() -> s.resources(r -> r.gpus(-1))).hasMessage("gpus must be >= 0, was -1");
  }

  @Test
  void rejectsAParameterDeclaredTwiceAtOnce() {
    Pipeline p = Pipeline.named("p").parameter("epochs", 20);
    assertThatThrownBy(() -> p.parameter("epochs", 30)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("pipeline 'p': parameter 'epochs' is already declared");
    assertThatThrownBy(() -> p.parameter("epochs", ParameterType.INTEGER))
        .hasMessage("pipeline 'p': parameter 'epochs' is already declared");
    assertThat(p.parameters().get("epochs").defaultValue()).isEqualTo(20L);
  }

  @Test
  void rejectsADefaultThatIsNotAParameterValue() {
    Pipeline p = Pipeline.named("p");
    assertThatThrownBy(() -> p.parameter("when", Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("parameter values must be an integer, a number, a string or a boolean, was Duration PT1S");
    assertThatThrownBy(() -> p.parameter("list", List.of(1))).hasMessageContaining("was List");
    assertThat(p.parameters()).isEmpty();
  }

  @Test
  void rejectsLocalThreadsBelowOne() {
    assertThatThrownBy(() -> Workspace.builder().localThreads(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("localThreads must be >= 1, was 0");
  }
}
