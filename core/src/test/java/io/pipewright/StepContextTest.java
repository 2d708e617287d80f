package io.pipewright;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a running step sees and leaves behind: inputs, parameters, outputs and their layout in the workspace. */
class StepContextTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path tmp;

  private Workspace open() {
    return Workspace.builder(tmp.resolve("ws")).localThreads(2).open();
  }

  /** Where a run says a step's output lies. */
  private static Path output(Run run, String step, String output) {
    return Path.of(run.step(step).outputs().get(output));
  }

  /** The manifest beside a files output's folder. */
  private static Path manifestOf(Path folder) {
    return folder.resolveSibling(folder.getFileName() + ".json");
  }

  private static Path objects(Workspace ws) {
    return ws.dir().resolve("data").resolve("objects");
  }

  private static String sha256(String content) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
        .digest(content.getBytes(StandardCharsets.UTF_8)));
  }

  private static JsonNode readJson(Path file) throws IOException {
    return JSON.readTree(file.toFile());
  }

  @Test
  void aDatasetFlowsToItsConsumerWithAManifestOfSizesAndHashes() throws Exception {
    Map<String, Object> seen = new ConcurrentHashMap<>();
    Pipeline p = Pipeline.named("p");
    Step split = p.prep("split").produces("rows", Dataset.class).runs(ctx -> {
      Path out = ctx.outputDir("rows");
      Files.writeString(out.resolve("b.csv"), "x,y\n1,2\n");
      Files.createDirectories(out.resolve("sub"));
      Files.writeString(out.resolve("sub").resolve("a.csv"), "z\n");
    });
    p.step("count").input("rows", split.dataset("rows")).runs(ctx -> {
      Dataset rows = ctx.dataset("rows");
      seen.put("dataset", rows);
      seen.put("content", Files.readString(rows.file("sub/a.csv")));
      seen.put("input", ctx.input("rows"));
    });

    try (Workspace ws = open()) {
      Run run = ws.submit(p).await();

      assertThat(run.status()).as(run.toString()).isEqualTo(RunStatus.SUCCEEDED);
      Path folder = output(run, "split", "rows");
      Dataset rows = (Dataset) seen.get("dataset");
      assertThat(rows.root()).isEqualTo(folder);
      assertThat(seen.get("input")).isEqualTo(folder);
      assertThat(rows.files()).containsExactly(
          new DataFile("b.csv", 8, sha256("x,y\n1,2\n")),
          new DataFile("sub/a.csv", 2, sha256("z\n")));
      assertThat(rows.size()).isEqualTo(10);
      assertThat(seen.get("content")).isEqualTo("z\n");
      assertThat(run.step("split").outputs()).containsExactly(Map.entry("rows", folder.toString()));
      assertThat(folder.resolve("sub").resolve("a.csv")).hasContent("z\n");

      JsonNode manifest = readJson(manifestOf(folder));
      assertThat(manifest.get("type").asText()).isEqualTo("Dataset");
      assertThat(manifest.get("files")).hasSize(2);
      assertThat(manifest.get("files").get(1).get("path").asText()).isEqualTo("sub/a.csv");
      assertThat(manifest.get("files").get(1).get("size").asLong()).isEqualTo(2);
      assertThat(manifest.get("files").get(1).get("sha256").asText()).isEqualTo(sha256("z\n"));
    }
  }

  @Test
  void equalContentHasTheSameManifestHashWhereverItLies() throws Exception {
    List<String> hashes = new CopyOnWriteArrayList<>();
    Pipeline p = Pipeline.named("p");
    StepBody writeOne = ctx -> Files.writeString(ctx.outputDir("out").resolve("f.txt"), "same");
    Step a = p.step("a").produces("out", Dataset.class).runs(writeOne);
    Step b = p.step("b").produces("out", Dataset.class).runs(writeOne);
    Step c = p.step("c").produces("out", Dataset.class)
        .runs(ctx -> Files.writeString(ctx.outputDir("out").resolve("f.txt"), "different"));
    p.step("read").input("a", a.dataset("out")).input("b", b.dataset("out")).input("c", c.dataset("out"))
        .runs(ctx -> {
          for (String name : List.of("a", "b", "c")) {
            hashes.add(ctx.dataset(name).manifestHash());
          }
        });

    try (Workspace ws = open()) {
      assertThat(ws.submit(p).await().status()).isEqualTo(RunStatus.SUCCEEDED);
    }
    assertThat(hashes.get(0)).startsWith("sha256:").isEqualTo(hashes.get(1)).isNotEqualTo(hashes.get(2));
  }

  @Test
  void aModelFlowsWithItsFilesAndMetadata() throws Exception {
    Map<String, Object> seen = new ConcurrentHashMap<>();
    Pipeline p = Pipeline.named("p");
    Step train = p.train("train").produces("model", Model.class).runs(ctx -> {
      Files.writeString(ctx.outputDir("model").resolve("weights.bin"), "w1w2");
      ctx.modelMetadata("model", Map.of("framework", "tribuo", "features", List.of("x", "y")));
    });
    p.step("eval").input("model", train.model("model")).runs(ctx -> {
      Model model = ctx.model("model");
      seen.put("model", model);
      seen.put("weights", Files.readString(model.file("weights.bin")));
    });

    try (Workspace ws = open()) {
      Run run = ws.submit(p).await();

      assertThat(run.status()).as(run.toString()).isEqualTo(RunStatus.SUCCEEDED);
      Model model = (Model) seen.get("model");
      assertThat(model.dir()).isEqualTo(output(run, "train", "model"));
      assertThat(model.metadata()).isEqualTo(Map.of("framework", "tribuo", "features", List.of("x", "y")));
      assertThat(model.files()).containsExactly(new DataFile("weights.bin", 4, sha256("w1w2")));
      assertThat(seen.get("weights")).isEqualTo("w1w2");
      JsonNode manifest = readJson(manifestOf(output(run, "train", "model")));
      assertThat(manifest.get("type").asText()).isEqualTo("Model");
      assertThat(manifest.get("metadata").get("framework").asText()).isEqualTo("tribuo");
    }
  }

  @Test
  void metricsWrittenAsAnOutputFlowToConsumersAndAreTheStepsMetrics() throws Exception {
    Map<String, Object> seen = new ConcurrentHashMap<>();
    Pipeline p = Pipeline.named("p");
    Step eval = p.evaluate("eval").produces("scores", Metrics.class).produces("more", Metrics.class)
        .runs(ctx -> {
          ctx.write("scores", Metrics.of("accuracy", 0.9, "f1", 0.8));
          ctx.write("more", Map.of("loss", 0.25));
          ctx.metric("rows", 100);
        });
    p.deploy("gate").input("scores", eval.metrics("scores")).input("more", eval.metrics("more")).runs(ctx -> {
      seen.put("accuracy", ctx.metrics("scores").get("accuracy"));
      seen.put("more", ctx.metrics("more"));
    });

    try (Workspace ws = open()) {
      Run run = ws.submit(p).await();

      assertThat(run.status()).as(run.toString()).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(seen.get("accuracy")).isEqualTo(0.9);
      assertThat(seen.get("more")).isEqualTo(Metrics.of("loss", 0.25));
      Map<String, Double> expected = Map.of("accuracy", 0.9, "f1", 0.8, "loss", 0.25, "rows", 100.0);
      assertThat(run.step("eval").metrics()).isEqualTo(expected);
      Path scores = output(run, "eval", "scores");
      assertThat(scores).startsWith(objects(ws)).hasFileName(scores.getFileName().toString()).isRegularFile();
      JsonNode manifest = readJson(scores);
      assertThat(manifest.get("type").asText()).isEqualTo("Metrics");
      assertThat(manifest.get("value").get("f1").asDouble()).isEqualTo(0.8);
    }
  }

  @Test
  void valueOutputsFlowToConsumersAsTheTypeTheyAskFor() {
    Map<String, Object> seen = new ConcurrentHashMap<>();
    Pipeline p = Pipeline.named("p");
    Step a = p.step("a").produces("name", String.class).produces("count", Long.class)
        .produces("small", Integer.class).produces("ratio", Double.class).produces("ok", Boolean.class)
        .produces("labels", List.class).produces("config", Map.class).runs(ctx -> {
          ctx.write("name", "digits");
          ctx.write("count", 42L);
          ctx.write("small", 7);
          ctx.write("ratio", 0.5);
          ctx.write("ok", true);
          ctx.write("labels", List.of("cat", "dog"));
          ctx.write("config", Map.of("depth", 3));
        });
    p.step("b").input("name", a.value("name", String.class)).input("count", a.value("count", Long.class))
        .input("countAsDouble", a.value("count", Double.class)).input("small", a.value("small", Long.class))
        .input("ratio", a.value("ratio", Double.class)).input("ok", a.value("ok", Boolean.class))
        .input("labels", a.value("labels", List.class)).input("config", a.value("config", Map.class))
        .runs(ctx -> {
          seen.put("name", ctx.value("name", String.class));
          seen.put("count", ctx.value("count", Long.class));
          seen.put("countAsDouble", ctx.value("countAsDouble", Double.class));
          seen.put("small", ctx.value("small", Long.class));
          seen.put("ratio", ctx.value("ratio", Double.class));
          seen.put("ok", ctx.value("ok", Boolean.class));
          seen.put("labels", ctx.value("labels", List.class));
          seen.put("config", ctx.value("config", Map.class));
        });

    try (Workspace ws = open()) {
      Run run = ws.submit(p).await();

      assertThat(run.status()).as(run.toString()).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(seen).containsEntry("name", "digits").containsEntry("count", 42L)
          .containsEntry("countAsDouble", 42.0).containsEntry("small", 7L).containsEntry("ratio", 0.5)
          .containsEntry("ok", true).containsEntry("labels", List.of("cat", "dog"))
          .containsEntry("config", Map.of("depth", 3));
    }
  }

  @Test
  void externalInputsAreReadInPlaceAsDatasets() throws Exception {
    Path file = Files.writeString(tmp.resolve("raw.csv"), "a,b\n");
    Path folder = Files.createDirectories(tmp.resolve("images"));
    Files.writeString(folder.resolve("1.png"), "png1");
    Files.writeString(folder.resolve("2.png"), "png22");
    Map<String, Object> seen = new ConcurrentHashMap<>();
    Pipeline p = Pipeline.named("p");
    p.prep("load").input("raw", file).input("images", folder).runs(ctx -> {
      seen.put("rawPath", ctx.input("raw"));
      seen.put("raw", ctx.dataset("raw"));
      seen.put("images", ctx.dataset("images"));
    });

    try (Workspace ws = open()) {
      assertThat(ws.submit(p).await().status()).isEqualTo(RunStatus.SUCCEEDED);
    }
    assertThat(seen.get("rawPath")).isEqualTo(file.toAbsolutePath());
    Dataset raw = (Dataset) seen.get("raw");
    assertThat(raw.singleFile()).isEqualTo(file.toAbsolutePath());
    assertThat(raw.files()).containsExactly(new DataFile("raw.csv", 4, sha256("a,b\n")));
    Dataset images = (Dataset) seen.get("images");
    assertThat(images.root()).isEqualTo(folder.toAbsolutePath());
    assertThat(images.files()).extracting(DataFile::path, DataFile::size).containsExactly(
        tuple("1.png", 4L), tuple("2.png", 5L));
  }

  @Test
  void aStepThatDoesNotWriteADeclaredOutputFailsAndLeavesNoCompleteOutput() throws Exception {
    Pipeline p = Pipeline.named("p");
    Step a = p.step("a").produces("count", Long.class).produces("rows", Dataset.class)
        .retry(RetryPolicy.retries(2).withBackoff(Duration.ofMillis(1))).runs(ctx -> {
          ctx.write("count", 3L);
          ctx.outputDir("rows"); // created, but left empty
        });
    p.step("b").input("rows", a.dataset("rows")).runs(ctx -> {});
    Pipeline q = Pipeline.named("q");
    q.step("v").produces("n", Long.class).runs(ctx -> {});

    try (Workspace ws = open()) {
      Run run = ws.submit(p).await();

      assertThat(run.status()).isEqualTo(RunStatus.FAILED);
      assertThat(run.step("a").status()).isEqualTo(StepStatus.FAILED);
      assertThat(run.step("a").error()).isEqualTo("step 'a' finished without writing its declared output 'rows'"
          + " (Dataset): write files into ctx.outputDir(\"rows\")");
      assertThat(run.step("a").attempts()).isEqualTo(1);
      assertThat(run.step("a").outputs()).isEmpty();
      assertThat(run.step("b").status()).isEqualTo(StepStatus.SKIPPED);
      assertThat(objects(ws)).doesNotExist();
      assertThat(ws.dir().resolve("tmp").resolve(run.id())).doesNotExist();

      Run value = ws.submit(q).await();
      assertThat(value.step("v").error()).isEqualTo("step 'v' finished without writing its declared output 'n'"
          + " (Long): call ctx.write(\"n\", value)");
      assertThat(objects(ws)).doesNotExist();
    }
  }

  @Test
  void aRetriedStepKeepsOnlyWhatItsSuccessfulAttemptWrote() throws Exception {
    Pipeline p = Pipeline.named("p");
    p.step("a").produces("rows", Dataset.class).retry(RetryPolicy.retries(1).withBackoff(Duration.ofMillis(1)))
        .runs(ctx -> {
          Files.writeString(ctx.outputDir("rows").resolve("attempt" + ctx.attempt() + ".csv"), "x");
          if (ctx.attempt() == 1) {
            throw new IllegalStateException("half written");
          }
        });

    try (Workspace ws = open()) {
      Run run = ws.submit(p).await();

      assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
      try (var files = Files.list(output(run, "a", "rows"))) {
        assertThat(files.map(f -> f.getFileName().toString())).containsExactly("attempt2.csv");
      }
    }
  }

  @Test
  void readingAParameterTheStepDidNotDeclareFailsIt() {
    Pipeline p = Pipeline.named("p").parameter("epochs", 20).parameter("lr", 0.1);
    p.train("train").uses("lr").runs(ctx -> ctx.intParam("epochs"));

    try (Workspace ws = open()) {
      Run run = ws.submit(p).await();

      assertThat(run.step("train").status()).isEqualTo(StepStatus.FAILED);
      assertThat(run.step("train").error()).isEqualTo("step 'train' reads parameter 'epochs' without declaring it:"
          + " add .uses(\"epochs\") to the step, so that changing it re-runs the step");
    }
  }

  @Test
  void parameterOverridesReachTheStepParsedByTheirType() {
    Map<String, Object> seen = new ConcurrentHashMap<>();
    Pipeline p = Pipeline.named("p").parameter("epochs", 20).parameter("lr", 0.1).parameter("name", "base")
        .parameter("shuffle", false).parameter("seed", ParameterType.INTEGER);
    p.step("train").uses("epochs", "lr", "name", "shuffle", "seed").runs(ctx -> {
      seen.put("epochs", ctx.intParam("epochs"));
      seen.put("epochsAsDouble", ctx.doubleParam("epochs"));
      seen.put("lr", ctx.doubleParam("lr"));
      seen.put("name", ctx.stringParam("name"));
      seen.put("shuffle", ctx.booleanParam("shuffle"));
      seen.put("seed", ctx.longParam("seed"));
      seen.put("raw", ctx.param("epochs"));
    });

    try (Workspace ws = open()) {
      Run fromMap = ws.submit(p, Map.of("epochs", "30", "seed", 7, "shuffle", "true")).await();
      assertThat(fromMap.status()).as(fromMap.toString()).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(seen).containsEntry("epochs", 30).containsEntry("epochsAsDouble", 30.0).containsEntry("lr", 0.1)
          .containsEntry("name", "base").containsEntry("shuffle", true).containsEntry("seed", 7L)
          .containsEntry("raw", 30L);
      assertThat(fromMap.parameters()).isEqualTo(Map.of("epochs", 30L, "lr", 0.1, "name", "base", "shuffle", true,
          "seed", 7L));

      Run fromOptions = ws.submit(p, RunOptions.defaults().param("seed", "1").param("lr", "0.5")
          .params(Map.of("name", "tuned"))).await();
      assertThat(fromOptions.status()).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(seen).containsEntry("epochs", 20).containsEntry("lr", 0.5).containsEntry("name", "tuned")
          .containsEntry("seed", 1L);
    }
  }

  @Test
  void askingForTheWrongTypeOfParameterFailsNamingTheValue() {
    Pipeline p = Pipeline.named("p").parameter("epochs", 20).parameter("big", 5_000_000_000L);
    p.step("a").uses("epochs").runs(ctx -> ctx.stringParam("epochs"));
    p.step("b").uses("big").runs(ctx -> ctx.intParam("big"));

    try (Workspace ws = open()) {
      Run run = ws.submit(p).await();

      assertThat(run.step("a").error()).isEqualTo("step 'a' parameter 'epochs' is 20, not a string");
      assertThat(run.step("b").error()).isEqualTo("step 'b' parameter 'big' is 5000000000, too large for an int:"
          + " use longParam");
    }
  }

  @Test
  void misusingTheContextFailsWithAMessageNamingTheStepAndWhatItDidNotDeclare() {
    List<String> errors = new CopyOnWriteArrayList<>();
    Pipeline p = Pipeline.named("p");
    Step a = p.step("a").produces("n", Long.class).produces("rows", Dataset.class).produces("m", Metrics.class)
        .runs(ctx -> {
          ctx.write("n", 1L);
          ctx.write("m", Metrics.of("x", 1));
          Files.writeString(ctx.outputDir("rows").resolve("r.csv"), "r");
        });
    p.step("b").input("n", a.value("n", Long.class)).input("rows", a.dataset("rows")).produces("out", Long.class)
        .produces("files", Dataset.class).produces("scores", Metrics.class).runs(ctx -> {
          List<StepBody> misuses = List.of(
              c -> c.input("missing"),
              c -> c.input("n"),
              c -> c.value("rows", Long.class),
              c -> c.value("n", List.class),
              c -> c.metrics("rows"),
              c -> c.outputDir("out"),
              c -> c.outputDir("other"),
              c -> c.write("files", 1L),
              c -> c.write("out", "text"),
              c -> c.write("out", null),
              c -> c.write("scores", "high"),
              c -> c.modelMetadata("files", Map.of()),
              c -> c.metric("loss", Double.NaN));
          for (StepBody misuse : misuses) {
            try {
              misuse.run(ctx);
              errors.add("no error");
            } catch (StepException e) {
              assertThat(e.retryable()).isFalse();
              errors.add(e.getMessage());
            }
          }
          ctx.write("out", 1L);
          Files.writeString(ctx.outputDir("files").resolve("f"), "f");
          ctx.write("scores", Map.of("x", 1));
        });

    try (Workspace ws = open()) {
      Run run = ws.submit(p).await();

      assertThat(run.status()).as(run.toString()).isEqualTo(RunStatus.SUCCEEDED);
    }
    assertThat(errors).containsExactly(
        "step 'b' has no input 'missing' (inputs: n, rows)",
        "step 'b' input 'n' is a Long value, not files: read it with value(\"n\")",
        "step 'b' input 'rows' is files, not a value: read it with input(\"rows\")",
        "step 'b' input 'n' holds 1, which is not a List",
        "step 'b' input 'rows' is a Dataset, not a Metrics",
        "step 'b' output 'out' is a Long, not files: use write(\"out\", value)",
        "step 'b' has no output 'other' (outputs: out, files, scores)",
        "step 'b' output 'files' is a Dataset: write files into outputDir(\"files\")",
        "step 'b' output 'out' is declared Long but was written String \"text\"",
        "step 'b' output 'out': cannot write null",
        "step 'b' output 'scores' is Metrics: give Metrics or a map of names to numbers, not String",
        "step 'b' output 'files' is a Dataset, not a Model",
        "step 'b' metric 'loss' must be a finite number, was NaN");
  }

  @Test
  void aStepThatThrowsRecordsAOneLineErrorAndTheStackTrace() {
    Pipeline p = Pipeline.named("p");
    p.step("a").runs(ctx -> {
      throw new IllegalArgumentException("bad value in row 7\n  at column 'label'");
    });
    p.step("b").runs(ctx -> {
      throw new UnsupportedOperationException();
    });

    try (Workspace ws = open()) {
      Run run = ws.submit(p).await();

      assertThat(run.step("a").error()).isEqualTo("IllegalArgumentException: bad value in row 7 ...");
      assertThat(run.step("a").errorTrace())
          .startsWith("java.lang.IllegalArgumentException: bad value in row 7\n  at column 'label'")
          .contains("at " + StepContextTest.class.getName());
      assertThat(run.step("b").error()).isEqualTo("java.lang.UnsupportedOperationException");
      assertThat(run.error()).isIn("step 'a' failed: IllegalArgumentException: bad value in row 7 ...",
          "step 'b' failed: java.lang.UnsupportedOperationException");
      try (Workspace other = Workspace.open(ws.dir())) {
        StepRun stored = other.runs().get(run.id()).step("a");
        assertThat(stored.error()).isEqualTo(run.step("a").error());
        assertThat(stored.errorTrace()).isEqualTo(run.step("a").errorTrace());
      }
    }
  }

  @Test
  void outputsAreStoredByContentAndTheStagingFolderIsRemovedWhenTheRunEnds() throws Exception {
    Pipeline p = Pipeline.named("p");
    Step a = p.step("a").produces("rows", Dataset.class).produces("n", Long.class).runs(ctx -> {
      Files.writeString(ctx.outputDir("rows").resolve("r.csv"), "r");
      ctx.write("n", 1L);
    });
    p.step("b").after(a).produces("rows", Dataset.class).runs(ctx -> {
      Files.writeString(ctx.outputDir("rows").resolve("half.csv"), "h");
      throw new IllegalStateException("fails after writing");
    });

    try (Workspace ws = open()) {
      Run run = ws.submit(p).await();

      Path rows = output(run, "a", "rows");
      Path n = output(run, "a", "n");
      assertThat(rows.resolve("r.csv")).hasContent("r");
      assertThat(manifestOf(rows)).isRegularFile();
      assertThat(n).isRegularFile();
      assertThat(rows.getParent().getParent()).isEqualTo(objects(ws));
      assertThat(readJson(manifestOf(rows)).get("hash").asText()).isEqualTo("sha256:" + rows.getFileName());
      assertThat(readJson(n).get("hash").asText()).isEqualTo("sha256:" + n.getFileName().toString()
          .replace(".json", ""));
      try (var all = Files.walk(objects(ws))) {
        // a's two outputs, and nothing of b's, which failed
        assertThat(all.filter(f -> f.toString().endsWith(".json"))).containsExactlyInAnyOrder(manifestOf(rows), n);
      }
      assertThat(ws.dir().resolve("tmp").resolve(run.id())).doesNotExist();
      try (var partial = Files.walk(objects(ws))) {
        assertThat(partial.filter(f -> f.toString().endsWith(".partial"))).isEmpty();
      }
    }
  }
}
