package io.pipewright;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The model registry: registration from steps and from code, versions, tags, gc. */
class ModelsTest {
  @TempDir
  Path tmp;

  private Workspace ws;

  @BeforeEach
  void open() {
    ws = Workspace.builder(tmp.resolve("ws")).localThreads(2).open();
  }

  @AfterEach
  void close() {
    ws.close();
  }

  /** A model of the {@code k} parameter, declared a "toy". */
  public static final class Train implements StepBody {
    @Override
    public void run(StepContext ctx) throws Exception {
      Files.writeString(ctx.outputDir("model").resolve("model.txt"), "k=" + ctx.intParam("k"));
      ctx.modelMetadata("model", Map.of("framework", "toy"));
    }
  }

  public static final class Evaluate implements StepBody {
    @Override
    public void run(StepContext ctx) {
      ctx.write("metrics", Metrics.of("accuracy", 0.5 + ctx.intParam("k") / 100.0));
    }
  }

  /** Registers its model input with the evaluation's metrics, tagged production. */
  public static final class Deploy implements StepBody {
    @Override
    public void run(StepContext ctx) {
      ctx.registerModel("toy", "model", ModelOptions.defaults().metrics(ctx.metrics("metrics").asMap())
          .tag("production"));
      if (ctx.booleanParam("fail")) {
        throw new IllegalStateException("deploy broke");
      }
    }
  }

  static Pipeline pipeline() {
    Pipeline p = Pipeline.named("toy").parameter("k", 3).parameter("fail", false);
    Step train = p.train("train").uses("k").runs(Train.class);
    Step evaluate = p.evaluate("evaluate").input("model", train.model()).uses("k").runs(Evaluate.class);
    p.deploy("deploy").input("model", train.model()).input("metrics", evaluate.metrics()).uses("fail")
        .runs(Deploy.class);
    return p;
  }

  @Test
  void aDeployStepRegistersItsModelWithTheRunStepFrameworkAndMetrics() {
    Run run = ws.submit(pipeline()).await();

    assertThat(run.succeeded()).as(run.error()).isTrue();
    RegisteredModel m = ws.models().get("toy");
    assertThat(m.reference()).isEqualTo("toy:1");
    assertThat(m.framework()).isEqualTo("toy");
    assertThat(m.metrics()).isEqualTo(Map.of("accuracy", 0.53));
    assertThat(m.tags()).containsExactly("production");
    assertThat(m.runId()).isEqualTo(run.id());
    assertThat(m.step()).isEqualTo("deploy");
    assertThat(m.dir().toString()).isEqualTo(run.step("train").outputs().get("model"));
    assertThat(ws.models().fetch("toy:production").resolve("model.txt")).hasContent("k=3");
    assertThat(ws.runs().logs(run.id(), "deploy")).extracting(RunEvent.Log::message)
        .contains("registered model toy:1");
  }

  @Test
  void aStepThatFailsRegistersNothing() {
    Run run = ws.submit(pipeline(), Map.of("fail", true)).await();

    assertThat(run.step("deploy").status()).isEqualTo(StepStatus.FAILED);
    assertThat(ws.models().list()).isEmpty();
  }

  @Test
  void aNewModelIsANewVersionAndTheSameModelKeepsItsVersionWhileTheTagMovesToIt() {
    ws.submit(pipeline()).await();
    ws.submit(pipeline(), Map.of("k", 4)).await();
    Run same = ws.submit(pipeline()).await(); // k=3 again: train and evaluate reused, deploy registers toy:1 again

    assertThat(ws.models().versions("toy")).extracting(RegisteredModel::version).containsExactly(1, 2);
    assertThat(ws.runs().logs(same.id(), "deploy")).extracting(RunEvent.Log::message)
        .contains("registered model toy:1");
    assertThat(ws.models().get("toy:production").version()).isEqualTo(1);
    assertThat(ws.models().get("toy:2").tags()).isEmpty();
    assertThat(ws.models().get("toy").version()).isEqualTo(2);
  }

  @Test
  void registersFromCodeAndTagsAreUniquePerName() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("model"));
    Files.writeString(dir.resolve("w.bin"), "1");
    RegisteredModel v1 = ws.models().register("m", dir, ModelOptions.defaults().framework("onnx").tag("production")
        .description("first"));
    Files.writeString(dir.resolve("w.bin"), "2");
    RegisteredModel v2 = ws.models().register("m", dir, ModelOptions.defaults().metric("loss", 0.1));

    RegisteredModel tagged = ws.models().tag("m", 2, "production");

    assertThat(v1.reference()).isEqualTo("m:1");
    assertThat(v1.framework()).isEqualTo("onnx");
    assertThat(v1.description()).isEqualTo("first");
    assertThat(v1.runId()).isNull();
    assertThat(v2.version()).isEqualTo(2);
    assertThat(tagged.tags()).containsExactly("production");
    assertThat(ws.models().get("m:1").tags()).isEmpty();
    assertThat(ws.models().fetch("m:production").resolve("w.bin")).hasContent("2");
    assertThat(ws.models().list()).extracting(RegisteredModel::reference).containsExactly("m:2");
  }

  @Test
  void unknownModelsVersionsAndTagsSayWhatThereIs() throws IOException {
    Path file = Files.writeString(tmp.resolve("w.bin"), "1");
    ws.models().register("m", file, ModelOptions.defaults().tag("staging"));

    assertThatThrownBy(() -> ws.models().get("n")).isInstanceOf(UserException.class)
        .hasMessage("no model 'n' in workspace " + ws.dir() + " (models: m)");
    assertThatThrownBy(() -> ws.models().get("m:2")).isInstanceOf(UserException.class)
        .hasMessage("model 'm' has no version 2 (versions: 1)");
    assertThatThrownBy(() -> ws.models().get("m:production")).isInstanceOf(UserException.class)
        .hasMessage("model 'm' has no version tagged 'production' (tags: staging=1)");
    assertThatThrownBy(() -> ws.models().tag("m", 1, "42")).isInstanceOf(UserException.class)
        .hasMessage("tag must be letters, digits, '_', '.' or '-', and not a number, was '42'");
    assertThatThrownBy(() -> ws.models().tag("m", 5, "prod")).isInstanceOf(UserException.class)
        .hasMessage("model 'm' has no version 5 (versions: 1)");
  }

  @Test
  void processesRegisteringOneNameAtOnceGetDistinctVersions() throws Exception {
    int perWorkspace = 5;
    List<Workspace> others = List.of(Workspace.open(ws.dir()), Workspace.open(ws.dir()));
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      List<Future<RegisteredModel>> futures = new ArrayList<>();
      List<Workspace> all = List.of(ws, others.get(0), others.get(1));
      for (int w = 0; w < all.size(); w++) {
        Workspace target = all.get(w);
        for (int i = 0; i < perWorkspace; i++) {
          Path file = Files.writeString(tmp.resolve("m-" + w + "-" + i + ".bin"), w + "/" + i);
          Callable<RegisteredModel> task = () -> target.models().register("m", file, ModelOptions.defaults());
          futures.add(pool.submit(task));
        }
      }
      List<Integer> versions = new ArrayList<>();
      for (Future<RegisteredModel> f : futures) {
        versions.add(f.get().version());
      }
      assertThat(versions).doesNotHaveDuplicates().hasSize(15);
      assertThat(ws.models().versions("m")).extracting(RegisteredModel::version)
          .containsExactlyElementsOf(java.util.stream.IntStream.rangeClosed(1, 15).boxed().toList());
    } finally {
      pool.shutdownNow();
      others.forEach(Workspace::close);
    }
  }

  @Test
  void gcKeepsRegisteredModelsWhenTheirCacheEntriesGo() {
    Run run = ws.submit(pipeline()).await();

    GcReport report = ws.gc(GcOptions.defaults().olderThan(Duration.ZERO).grace(Duration.ZERO));

    assertThat(report.entriesRemoved()).isEqualTo(2); // train and evaluate; deploy is never cached
    assertThat(report.objectsRemoved()).isEqualTo(1); // the metrics value
    assertThat(ws.models().fetch("toy").resolve("model.txt")).hasContent("k=3");
    assertThat(Path.of(run.step("evaluate").outputs().get("metrics"))).doesNotExist();
  }
}
