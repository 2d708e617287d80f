package io.pipewright;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A pipeline whose input is a registered dataset named by a DATASET parameter. */
class DatasetParameterTest {
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

  /** Counts the lines of its dataset input. */
  public static final class CountLines implements StepBody {
    @Override
    public void run(StepContext ctx) throws Exception {
      ctx.write("n", (long) Files.readAllLines(ctx.dataset("raw").singleFile()).size());
    }
  }

  /** Depends on a plain parameter only. */
  public static final class Twice implements StepBody {
    @Override
    public void run(StepContext ctx) {
      ctx.write("k2", ctx.longParam("k") * 2);
    }
  }

  /** A model of the count. */
  public static final class Train implements StepBody {
    @Override
    public void run(StepContext ctx) throws Exception {
      Files.writeString(ctx.outputDir("model").resolve("model.txt"), "n=" + ctx.value("n", Long.class));
    }
  }

  static Pipeline pipeline() {
    Pipeline p = Pipeline.named("dp").parameter("data", ParameterType.DATASET, "rows").parameter("k", 2);
    Step count = p.prep("count").input("raw", p.datasetParameter("data")).produces("n", Long.class)
        .runs(CountLines.class);
    p.prep("other").uses("k").produces("k2", Long.class).runs(Twice.class);
    p.train("train").input("n", count.value("n", Long.class)).runs(Train.class);
    return p;
  }

  private RegisteredDataset register(String content) throws IOException {
    return ws.datasets().register("rows", Files.writeString(tmp.resolve("rows.csv"), content));
  }

  private static Map<String, StepStatus> statuses(Run run) {
    Map<String, StepStatus> statuses = new LinkedHashMap<>();
    run.steps().forEach(s -> statuses.put(s.name(), s.status()));
    return statuses;
  }

  @Test
  void aRunRecordsTheVersionItResolvedAndANewVersionReRunsOnlyWhatDependsOnTheData() throws IOException {
    RegisteredDataset v1 = register("a\nb\n");
    Run first = ws.submit(pipeline()).await();
    register("a\nb\nc\n");

    Run second = ws.submit(pipeline()).await();
    Run back = ws.submit(pipeline(), Map.of("data", "rows:1")).await();

    assertThat(first.parameters()).containsEntry("data", "rows:1");
    assertThat(first.succeeded()).as(first.error()).isTrue();
    assertThat(ws.runs().fingerprint(first.step("count").fingerprint()).orElseThrow().component("input:raw")
        .orElseThrow().value()).isEqualTo(v1.contentHash());
    assertThat(second.parameters()).containsEntry("data", "rows:2");
    assertThat(statuses(second)).containsExactly(Map.entry("count", StepStatus.SUCCEEDED),
        Map.entry("other", StepStatus.REUSED), Map.entry("train", StepStatus.SUCCEEDED));
    assertThat(Path.of(second.step("train").outputs().get("model")).resolve("model.txt")).hasContent("n=3");
    assertThat(statuses(back)).containsOnly(Map.entry("count", StepStatus.REUSED),
        Map.entry("other", StepStatus.REUSED), Map.entry("train", StepStatus.REUSED));
  }

  @Test
  void aRegisteredDatasetCanBeGivenAsTheValueOrAsAFixedInput() throws IOException {
    RegisteredDataset v1 = register("a\n");
    register("a\nb\n");
    Pipeline fixed = Pipeline.named("fixed");
    fixed.prep("count").input("raw", v1).produces("n", Long.class).runs(CountLines.class);

    Run byValue = ws.submit(pipeline(), Map.of("data", v1)).await();
    Run byInput = ws.submit(fixed).await();

    assertThat(byValue.parameters()).containsEntry("data", "rows:1");
    assertThat(byInput.step("count").status()).isEqualTo(StepStatus.REUSED); // same code, same content
  }

  @Test
  void unknownDatasetsAndVersionsAreValidationErrorsNamingWhatThereIs() throws IOException {
    assertThatThrownBy(() -> ws.submit(pipeline()))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("parameter 'data': no dataset 'rows' in workspace " + ws.dir()
            + " (no datasets are registered)");
    register("a\n");

    assertThatThrownBy(() -> ws.submit(pipeline(), Map.of("data", "rows:7")))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("parameter 'data': dataset 'rows' has no version 7 (versions: 1)");
    assertThatThrownBy(() -> ws.submit(pipeline(), Map.of("data", "not a name")))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("parameter 'data': expected a dataset (NAME or NAME:VERSION), got 'not a name'");
    assertThat(ws.runs().list(10)).isEmpty();
  }

  @Test
  void anInputBoundToAParameterThatIsNoDatasetIsAValidationProblem() {
    Pipeline p = Pipeline.named("bad").parameter("data", "rows");
    p.prep("count").input("raw", p.datasetParameter("data")).input("more", p.datasetParameter("missing"))
        .produces("n", Long.class).runs(CountLines.class);

    assertThat(p.validate()).extracting(Problem::message).containsExactly(
        "step 'count': input 'raw' reads parameter 'data', which is a string, not a dataset -- declare it with"
            + " parameter(\"data\", ParameterType.DATASET)",
        "step 'count': input 'more' reads dataset parameter 'missing', which the pipeline does not declare"
            + " (declared: data)");
  }
}
