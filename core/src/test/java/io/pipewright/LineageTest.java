package io.pipewright;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Lineage trees of models, datasets and step outputs. */
class LineageTest {
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

  /** Upper-cases its dataset. */
  public static final class Prep implements StepBody {
    @Override
    public void run(StepContext ctx) throws Exception {
      String text = Files.readString(ctx.dataset("raw").singleFile());
      Files.writeString(ctx.outputDir("clean").resolve("clean.txt"), text.toUpperCase(java.util.Locale.ROOT));
    }
  }

  public static final class Train implements StepBody {
    @Override
    public void run(StepContext ctx) throws Exception {
      Files.writeString(ctx.outputDir("model").resolve("model.txt"), Files.readString(ctx.dataset("clean")
          .singleFile()).length() + "");
    }
  }

  public static final class Deploy implements StepBody {
    @Override
    public void run(StepContext ctx) {
      ctx.registerModel("m", "model");
    }
  }

  static Pipeline pipeline() {
    Pipeline p = Pipeline.named("lin").parameter("data", ParameterType.DATASET, "raw");
    Step prep = p.prep("prep").input("raw", p.datasetParameter("data")).produces("clean", Dataset.class)
        .runs(Prep.class);
    Step train = p.train("train").input("clean", prep.dataset("clean")).runs(Train.class);
    p.deploy("deploy").input("model", train.model()).runs(Deploy.class);
    return p;
  }

  @Test
  void aModelsLineageGoesBackThroughItsStepsToTheRegisteredDatasetAndNamesItsUsers() throws Exception {
    RegisteredDataset raw = ws.datasets().register("raw", Files.writeString(tmp.resolve("raw.txt"), "abc"));
    Run run = ws.submit(pipeline()).await();
    assertThat(run.succeeded()).as(run.error()).isTrue();
    RegisteredModel model = ws.models().get("m:1");

    Lineage lineage = ws.lineage("model:m:1");

    Lineage.Node root = lineage.root();
    assertThat(root.registeredAs()).containsExactly("model m:1");
    assertThat(root.contentHash()).isEqualTo(model.contentHash());
    assertThat(root.producer()).isEqualTo(new Lineage.Producer(run.id(), "lin", "train", "model"));
    assertThat(root.inputs()).hasSize(1);
    Lineage.Input clean = root.inputs().get(0);
    assertThat(clean.name()).isEqualTo("clean");
    assertThat(clean.node().producer()).isEqualTo(new Lineage.Producer(run.id(), "lin", "prep", "clean"));
    Lineage.Node dataset = clean.node().inputs().get(0).node();
    assertThat(dataset.registeredAs()).containsExactly("dataset raw:1");
    assertThat(dataset.contentHash()).isEqualTo(raw.contentHash());
    assertThat(dataset.producer()).isNull();
    assertThat(root.usedBy()).containsExactly(new Lineage.Use(run.id(), "lin", "deploy", "model",
        StepStatus.SUCCEEDED));
    String id = run.shortId();
    assertThat(lineage.lines()).containsExactly(
        "model m:1  " + model.contentHash().substring(0, 19),
        "  produced by run " + id + " (lin) step train, output model",
        "  input clean: output prep.clean  " + clean.node().contentHash().substring(0, 19),
        "    produced by run " + id + " (lin) step prep, output clean",
        "    input raw: dataset raw:1  " + raw.contentHash().substring(0, 19),
        "  used by run " + id + " (lin) step deploy, input model");
  }

  @Test
  void aDatasetsLineageListsTheRunsThatConsumedItAndAnOutputCanBeNamedByRunStepAndOutput() throws Exception {
    ws.datasets().register("raw", Files.writeString(tmp.resolve("raw.txt"), "abc"));
    Run first = ws.submit(pipeline()).await();
    Run second = ws.submit(pipeline()).await();

    Lineage dataset = ws.lineage("dataset:raw:1");
    Lineage output = ws.lineage(first.id().substring(0, 8) + "/prep/clean");

    assertThat(dataset.root().usedBy()).containsExactly(
        new Lineage.Use(first.id(), "lin", "prep", "raw", StepStatus.SUCCEEDED),
        new Lineage.Use(second.id(), "lin", "prep", "raw", StepStatus.REUSED));
    assertThat(dataset.lines()).contains("  used by run " + second.shortId() + " (lin) step prep, input raw"
        + " (reused)");
    assertThat(output.root().registeredAs()).isEmpty();
    assertThat(output.root().producer().step()).isEqualTo("prep");
    assertThat(output.root().usedBy()).extracting(Lineage.Use::step).containsExactly("train", "train");
  }

  @Test
  void unknownReferencesAreOneLineErrors() {
    assertThatThrownBy(() -> ws.lineage("thing")).isInstanceOf(UserException.class)
        .hasMessage("invalid lineage reference 'thing': give model:NAME:VERSION, dataset:NAME:VERSION or"
            + " RUN/STEP/OUTPUT");
    assertThatThrownBy(() -> ws.lineage("model:nope:1")).isInstanceOf(UserException.class)
        .hasMessageStartingWith("no model 'nope' in workspace");
    assertThatThrownBy(() -> ws.lineage("abc/prep/clean")).isInstanceOf(UserException.class)
        .hasMessageStartingWith("no run 'abc'");
    assertThat(Map.of()).isEmpty();
  }
}
