package io.pipewright.examples;

import static io.pipewright.testing.PipewrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pipewright.DataFile;
import io.pipewright.Dataset;
import io.pipewright.Pipeline;
import io.pipewright.RegisteredModel;
import io.pipewright.Run;
import io.pipewright.RunEvent;
import io.pipewright.RunOptions;
import io.pipewright.RunStatus;
import io.pipewright.StepKind;
import io.pipewright.StepRun;
import io.pipewright.StepStatus;
import io.pipewright.Workspace;
import io.pipewright.spi.PipelineProvider;
import io.pipewright.testing.PipewrightExtension;
import io.pipewright.testing.TestWorkspace;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(PipewrightExtension.class)
class DigitsTest {
  private static final List<String> DIGITS = IntStream.range(0, 10).mapToObj(Integer::toString).toList();
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  @Test
  void runsEndToEndAndReleasesAnAccurateModel(TestWorkspace ws) throws IOException {
    Run run = ws.run(Digits.pipeline());

    assertThat(run).succeeded().ran("prep", "train", "evaluate", "deploy")
        .step("evaluate").metric("accuracy").isGreaterThanOrEqualTo(0.90);
    assertThat(run.steps()).extracting(StepRun::name, StepRun::kind, StepRun::status).containsExactly(
        tuple("prep", StepKind.PREP, StepStatus.SUCCEEDED),
        tuple("train", StepKind.TRAIN, StepStatus.SUCCEEDED),
        tuple("evaluate", StepKind.EVALUATE, StepStatus.SUCCEEDED),
        tuple("deploy", StepKind.DEPLOY, StepStatus.SUCCEEDED));
    Map<String, Double> metrics = run.step("evaluate").metrics();
    assertThat(metrics.get("accuracy")).isGreaterThanOrEqualTo(0.90);
    for (String digit : DIGITS) {
      assertThat(metrics).containsKeys("precision." + digit, "recall." + digit);
      assertThat(metrics.get("recall." + digit)).as("recall of %s", digit).isBetween(0.8, 1.0);
      assertThat(metrics.get("precision." + digit)).as("precision of %s", digit).isBetween(0.8, 1.0);
    }
    assertThat(metrics.get("f1_macro")).isGreaterThanOrEqualTo(0.90);
    JsonNode release = json(run, "deploy", "release");
    assertThat(release.path("model").asText()).matches("sha256:[0-9a-f]{64}");
    assertThat(release.path("framework").asText()).isEqualTo("tribuo");
    assertThat(release.path("algorithm").asText()).isEqualTo("logistic-regression");
    assertThat(release.path("accuracy").asDouble()).isEqualTo(metrics.get("accuracy"));
    assertThat(release.path("run").asText()).isEqualTo(run.id());
    assertThat(release.path("registeredAs").asText()).isEqualTo("digits");
    RegisteredModel registered = ws.workspace().models().get("digits");
    assertThat(registered.reference()).isEqualTo("digits:1");
    assertThat(registered.framework()).isEqualTo("tribuo");
    assertThat(registered.metrics()).isEqualTo(Map.of("accuracy", metrics.get("accuracy"), "f1_macro",
        metrics.get("f1_macro")));
    assertThat(registered.runId()).isEqualTo(run.id());
    assertThat(registered.step()).isEqualTo("deploy");
    assertThat(registered.dir().toString()).isEqualTo(run.step("train").outputs().get("model"));
    assertThat(ws.workspace().lineage("model:digits:1").root().producer().step()).isEqualTo("train");
  }

  @Test
  void writesTheConfusionMatrixOfTheTestRows(Workspace ws) throws IOException {
    Run run = ws.submit(Digits.pipeline()).await();

    JsonNode confusion = json(run, "evaluate", "confusion");
    assertThat(confusion.path("labels")).extracting(JsonNode::asText).containsExactlyElementsOf(DIGITS);
    long total = 0;
    long diagonal = 0;
    for (int truth = 0; truth < DIGITS.size(); truth++) {
      JsonNode row = confusion.path("counts").path(truth);
      assertThat(row).hasSize(DIGITS.size());
      long ofDigit = 0;
      for (int predicted = 0; predicted < DIGITS.size(); predicted++) {
        ofDigit += row.path(predicted).asLong();
      }
      assertThat(row.path(truth).asLong() / (double) ofDigit).as("recall of %s", truth)
          .isCloseTo(run.step("evaluate").metrics().get("recall." + truth), offset(1e-12));
      total += ofDigit;
      diagonal += row.path(truth).asLong();
    }
    assertThat(total).isEqualTo(359);
    assertThat(diagonal / 359.0).isCloseTo(run.step("evaluate").metrics().get("accuracy"), offset(1e-12));
  }

  @Test
  void splitsAllRowsStratifiedByDigitAndScalesPixels(Workspace ws) throws IOException {
    Run run = ws.submit(Digits.pipeline()).await();

    List<String> train = lines(run, "prep", "train", "train.csv");
    List<String> test = lines(run, "prep", "test", "test.csv");
    assertThat(train.size() + test.size()).isEqualTo(1797);
    assertThat(test.size()).isEqualTo(359);
    Map<String, Long> testByDigit = countByDigit(test);
    Map<String, Long> trainByDigit = countByDigit(train);
    for (String digit : DIGITS) {
      double share = testByDigit.get(digit) / (double) (testByDigit.get(digit) + trainByDigit.get(digit));
      assertThat(share).as("test share of %s", digit).isCloseTo(0.2, offset(0.01));
    }
    assertThat(Stream.concat(train.stream(), test.stream())
        .flatMap(line -> Stream.of(line.split(",")).limit(64))
        .mapToDouble(Double::parseDouble).summaryStatistics())
        .satisfies(pixels -> {
          assertThat(pixels.getMin()).isEqualTo(0.0);
          assertThat(pixels.getMax()).isEqualTo(1.0);
        });
  }

  @Test
  void producesByteIdenticalOutputsAndEqualMetricsOnEveryRun(Workspace ws) throws IOException {
    Run first = ws.submit(Digits.pipeline(), RunOptions.defaults().reuse(false)).await();
    Run second = ws.submit(Digits.pipeline(), RunOptions.defaults().reuse(false)).await();

    assertThat(second.id()).isNotEqualTo(first.id());
    assertThat(second.steps()).extracting(StepRun::status).containsOnly(StepStatus.SUCCEEDED);
    for (String output : List.of("train", "test")) {
      Dataset a = manifest(first, "prep", output);
      Dataset b = manifest(second, "prep", output);
      assertThat(a.files()).as(output).hasSize(1);
      assertThat(a.size()).as(output).isPositive();
      assertThat(b.files()).as(output).isEqualTo(a.files());
      assertThat(b.manifestHash()).as(output).isEqualTo(a.manifestHash());
    }
    // Training is seeded and the model file leaves out when and where it was trained: equal models, equal bytes.
    assertThat(manifest(second, "train", "model").manifestHash())
        .isEqualTo(manifest(first, "train", "model").manifestHash());
    assertThat(second.step("evaluate").metrics()).isEqualTo(first.step("evaluate").metrics())
        .containsKey("accuracy");
    assertThat(json(second, "evaluate", "confusion")).isEqualTo(json(first, "evaluate", "confusion"));
    assertThat(json(second, "deploy", "release").path("model"))
        .isEqualTo(json(first, "deploy", "release").path("model"));
  }

  @Test
  void aSecondRunReusesEverythingButTheDeployStep(TestWorkspace ws) {
    Run first = ws.run(Digits.pipeline());
    Run second = ws.run(Digits.pipeline());

    assertThat(second.steps()).extracting(StepRun::name).containsExactly("prep", "train", "evaluate", "deploy");
    assertThat(second).succeeded().reused("prep", "train", "evaluate").ran("deploy")
        .step("evaluate").wasReusedFrom(first);
    assertThat(second.step("evaluate").metrics()).isEqualTo(first.step("evaluate").metrics());
    // The same model again: still version 1, registered by the first run.
    assertThat(ws.workspace().models().versions("digits"))
        .extracting(RegisteredModel::version, RegisteredModel::runId).containsExactly(tuple(1, first.id()));
  }

  @Test
  void changingATrainingParameterRetrainsButReusesTheSplit(Workspace ws) throws IOException {
    Run defaults = ws.submit(Digits.pipeline()).await();
    assertThat(defaults.status()).as(String.valueOf(defaults)).isEqualTo(RunStatus.SUCCEEDED);

    Map<String, Object> changes = Map.of("epochs", 5, "learningRate", 0.5, "minibatchSize", 4, "trainSeed", 7);
    List<String> models = new ArrayList<>(List.of(manifest(defaults, "train", "model").manifestHash()));
    for (Map.Entry<String, Object> change : changes.entrySet()) {
      Run changed = ws.submit(Digits.pipeline(), Map.of(change.getKey(), change.getValue())).await();

      assertThat(changed.steps()).as(change.toString()).extracting(StepRun::name)
          .containsExactly("prep", "train", "evaluate", "deploy");
      assertThat(changed).as(change.toString()).reused("prep").ran("train", "evaluate", "deploy")
          .step("prep").wasReusedFrom(defaults)
          .step("evaluate").metric("accuracy").isGreaterThanOrEqualTo(0.90);
      assertThat(json(changed, "deploy", "release").path(change.getKey()).asText())
          .isEqualTo(change.getValue().toString());
      assertThat(messages(ws, changed, "train")).as(change.toString())
          .anyMatch(m -> m.contains(change.getKey() + "=" + change.getValue()));
      models.add(manifest(changed, "train", "model").manifestHash());
    }
    assertThat(models).doesNotHaveDuplicates();
    assertThat(ws.models().versions("digits")).hasSize(models.size());
  }

  @Test
  void honoursAChangedTestFraction(Workspace ws) throws IOException {
    Run run = ws.submit(Digits.pipeline(), Map.of("testFraction", 0.5)).await();

    assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(lines(run, "prep", "test", "test.csv")).hasSizeBetween(895, 903);
    assertThat(run.step("evaluate").metrics().get("accuracy")).isGreaterThanOrEqualTo(0.90);
  }

  @Test
  void rejectsAnInvalidTrainingParameterWithoutRetrying(TestWorkspace ws) {
    Run run = ws.run(Digits.pipeline(), Map.of("epochs", 0));

    assertThat(run).failed().step("train").failedWith("parameter 'epochs' must be >= 1, was 0");
    assertThat(run.step("train").error()).isEqualTo("parameter 'epochs' must be >= 1, was 0");
    assertThat(run.step("train").attempts()).isEqualTo(1);
  }

  @Test
  void failsThePrepStepWithTheFileAndLineOfAMalformedRow(Workspace ws) throws IOException {
    String good = String.join(",", Collections.nCopies(64, "3"));
    Path data = dir.resolve("digits.csv.gz");
    try (Writer out = new OutputStreamWriter(new GZIPOutputStream(Files.newOutputStream(data)),
        StandardCharsets.UTF_8)) {
      out.write(good + ",1\n" + good + ",1\n\n" + good + ",2\n" + good + "\n" + good + ",2\n");
    }

    Run run = ws.submit(Digits.pipeline(data)).await();

    assertThat(run.status()).isEqualTo(RunStatus.FAILED);
    StepRun prep = run.step("prep");
    assertThat(prep.error()).isEqualTo(data + ":5: expected 65 fields (64 pixels and the digit), found 64");
    assertThat(prep.attempts()).isEqualTo(1);
    assertThat(run.steps()).extracting(StepRun::name, StepRun::status).containsExactly(
        tuple("prep", StepStatus.FAILED), tuple("train", StepStatus.SKIPPED),
        tuple("evaluate", StepStatus.SKIPPED), tuple("deploy", StepStatus.SKIPPED));
  }

  @Test
  void aHighMinAccuracySkipsTheReleaseAndSaysWhy(TestWorkspace ws) {
    Run run = ws.run(Digits.pipeline(), Map.of("minAccuracy", 0.999));

    assertThat(run).succeeded().step("evaluate").ran().step("deploy").wasSkippedBecause("condition not met");
    StepRun deploy = run.step("deploy");
    assertThat(deploy.reason()).matches("condition not met: accuracy 0\\.9\\d{3} < minAccuracy 0\\.999");
    assertThat(deploy.attempts()).isZero();
    assertThat(ws.workspace().models().list()).isEmpty();
  }

  @Test
  void logsWhatEachStepDid(Workspace ws) {
    Run run = ws.submit(Digits.pipeline()).await();

    assertThat(messages(ws, run, "prep")).containsExactly("scaling the 64 pixels of each image from 0..16 to 0..1",
        "read 1797 rows with 10 labels from digits.csv.gz",
        "wrote 1438 rows to train and 359 to test (testFraction 0.2, seed 42)");
    assertThat(messages(ws, run, "train")).containsExactly("trained logistic-regression with Tribuo 4.3.2 (epochs=10,"
        + " learningRate=1.0, minibatchSize=1, trainSeed=12345) on 1438 rows of 64 features, 10 labels");
    assertThat(messages(ws, run, "evaluate")).anyMatch(m -> m.matches(
        "accuracy 0\\.9\\d{3} \\(3\\d\\d of 359 test rows\\), macro F1 0\\.9\\d{3}, with logistic-regression"));
    assertThat(messages(ws, run, "deploy")).anyMatch(m -> m.matches("released model sha256:[0-9a-f]{64} .*"));
    assertThat(messages(ws, run, "deploy")).contains("registered model digits:1");
  }

  @Test
  void isFoundByItsNameThroughTheServiceLoader() {
    PipelineProvider provider = ServiceLoader.load(PipelineProvider.class).stream()
        .map(ServiceLoader.Provider::get)
        .filter(p -> p.name().equals("digits"))
        .findFirst().orElseThrow();

    Pipeline pipeline = provider.pipeline();
    assertThat(pipeline.name()).isEqualTo("digits");
    assertThat(pipeline.validate()).isEmpty();
    assertThat(pipeline).isValid().hasSteps("prep", "train", "evaluate", "deploy")
        .hasEdge("prep", "train").hasEdge("prep", "evaluate").hasEdge("train", "evaluate")
        .hasEdge("train", "deploy").hasEdge("evaluate", "deploy").hasNoEdge("prep", "deploy");
    assertThat(pipeline.parameters()).containsOnlyKeys("seed", "testFraction", "epochs", "learningRate",
        "minibatchSize", "trainSeed", "minAccuracy");
  }

  private static List<String> lines(Run run, String step, String output, String file) throws IOException {
    assertThat(run.step(step).status().isSuccess()).as(String.valueOf(run)).isTrue();
    return Files.readAllLines(Path.of(run.step(step).outputs().get(output)).resolve(file));
  }

  /** A JSON value output, which the engine stores with its type and hash, the value under {@code value}. */
  private static JsonNode json(Run run, String step, String output) throws IOException {
    assertThat(run.step(step).status().isSuccess()).as(String.valueOf(run)).isTrue();
    JsonNode stored = JSON.readTree(Path.of(run.step(step).outputs().get(output)).toFile());
    assertThat(stored.has("value")).as("stored %s.%s: %s", step, output, stored).isTrue();
    return stored.get("value");
  }

  /** The manifest of a folder output, computed here from its files rather than taken from the engine. */
  private static Dataset manifest(Run run, String step, String output) throws IOException {
    assertThat(run.step(step).status().isSuccess()).as(String.valueOf(run)).isTrue();
    Path root = Path.of(run.step(step).outputs().get(output));
    List<DataFile> files = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path file : walk.filter(Files::isRegularFile).sorted().toList()) {
        files.add(new DataFile(root.relativize(file).toString().replace('\\', '/'), Files.size(file),
            sha256(Files.readAllBytes(file))));
      }
    }
    return new Dataset(root, files);
  }

  private static String sha256(byte[] content) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<String> messages(Workspace ws, Run run, String step) {
    return ws.runs().logs(run.id(), step).stream().map(RunEvent.Log::message).toList();
  }

  private static Map<String, Long> countByDigit(List<String> rows) {
    return rows.stream().collect(Collectors.groupingBy(r -> r.substring(r.lastIndexOf(',') + 1),
        Collectors.counting()));
  }
}
