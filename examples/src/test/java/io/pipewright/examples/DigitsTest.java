package io.pipewright.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;
import static org.assertj.core.api.Assertions.tuple;

import io.pipewright.Pipeline;
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
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PipewrightExtension.class)
class DigitsTest {
  private static final List<String> DIGITS = IntStream.range(0, 10).mapToObj(Integer::toString).toList();

  @Test
  void runsEndToEndAndReleasesAnAccurateModel(Workspace ws) {
    Run run = ws.submit(Digits.pipeline()).await();

    assertThat(run.status()).as(String.valueOf(run)).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(run.steps()).extracting(StepRun::name, StepRun::kind, StepRun::status).containsExactly(
        tuple("prep", StepKind.PREP, StepStatus.SUCCEEDED),
        tuple("train", StepKind.TRAIN, StepStatus.SUCCEEDED),
        tuple("evaluate", StepKind.EVALUATE, StepStatus.SUCCEEDED),
        tuple("deploy", StepKind.DEPLOY, StepStatus.SUCCEEDED));
    Map<String, Double> metrics = run.step("evaluate").metrics();
    assertThat(metrics.get("accuracy")).isGreaterThanOrEqualTo(0.90);
    for (String digit : DIGITS) {
      assertThat(metrics).containsKeys("precision_" + digit, "recall_" + digit);
      assertThat(metrics.get("recall_" + digit)).as("recall of %s", digit).isBetween(0.8, 1.0);
    }
    assertThat(metrics.get("f1_macro")).isGreaterThanOrEqualTo(0.90);
    assertThat(run.step("deploy").outputs()).containsKey("release");
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
  void producesByteIdenticalSplitsAndEqualMetricsOnEveryRun(Workspace ws) throws IOException {
    Run first = ws.submit(Digits.pipeline(), RunOptions.defaults().reuse(false)).await();
    Run second = ws.submit(Digits.pipeline(), RunOptions.defaults().reuse(false)).await();

    assertThat(second.id()).isNotEqualTo(first.id());
    assertThat(second.steps()).extracting(StepRun::status).containsOnly(StepStatus.SUCCEEDED);
    for (String output : List.of("train", "test")) {
      // Outputs are stored by content: the same bytes land in the same place.
      Path a = Path.of(first.step("prep").outputs().get(output)).resolve(output + ".csv");
      Path b = Path.of(second.step("prep").outputs().get(output)).resolve(output + ".csv");
      assertThat(b).isEqualTo(a);
      assertThat(Files.size(a)).as(output).isPositive();
    }
    assertThat(second.step("evaluate").metrics()).isEqualTo(first.step("evaluate").metrics());
  }

  @Test
  void aSecondRunReusesEverythingButTheDeployStep(Workspace ws) {
    Run first = ws.submit(Digits.pipeline()).await();
    Run second = ws.submit(Digits.pipeline()).await();

    assertThat(second.steps()).extracting(StepRun::name, StepRun::status).containsExactly(
        tuple("prep", StepStatus.REUSED), tuple("train", StepStatus.REUSED), tuple("evaluate", StepStatus.REUSED),
        tuple("deploy", StepStatus.SUCCEEDED));
    assertThat(second.step("evaluate").reusedFrom()).isEqualTo(first.id());
    assertThat(second.step("evaluate").metrics()).isEqualTo(first.step("evaluate").metrics());
  }

  @Test
  void honoursAChangedK(Workspace ws) throws IOException {
    Run defaults = ws.submit(Digits.pipeline()).await();
    Run k15 = ws.submit(Digits.pipeline(), Map.of("k", 15)).await();

    assertThat(k15.status()).as(String.valueOf(k15)).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(k15.steps()).extracting(StepRun::name, StepRun::status).containsExactly(
        tuple("prep", StepStatus.REUSED), tuple("train", StepStatus.SUCCEEDED),
        tuple("evaluate", StepStatus.SUCCEEDED), tuple("deploy", StepStatus.SUCCEEDED));
    assertThat(k15.parameters()).containsEntry("k", 15L);
    assertThat(lines(k15, "train", "model", "knn.properties")).contains("k=15");
    assertThat(lines(defaults, "train", "model", "knn.properties")).contains("k=3");
    assertThat(messages(ws, k15, "evaluate")).anyMatch(m -> m.endsWith("with k-nearest-neighbours (k=15)"));
    assertThat(k15.step("evaluate").metrics().get("accuracy")).isGreaterThanOrEqualTo(0.90)
        .isNotEqualTo(defaults.step("evaluate").metrics().get("accuracy"));
    assertThat(lines(k15, "prep", "test", "test.csv")).isEqualTo(lines(defaults, "prep", "test", "test.csv"));
  }

  @Test
  void honoursAChangedTestFraction(Workspace ws) throws IOException {
    Run run = ws.submit(Digits.pipeline(), Map.of("testFraction", 0.5)).await();

    assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(lines(run, "prep", "test", "test.csv")).hasSizeBetween(895, 903);
    assertThat(run.step("evaluate").metrics().get("accuracy")).isGreaterThanOrEqualTo(0.90);
  }

  @Test
  void doesNotReleaseAModelBelowMinAccuracy(Workspace ws) {
    Run run = ws.submit(Digits.pipeline(), Map.of("minAccuracy", 0.999)).await();

    assertThat(run.status()).isEqualTo(RunStatus.FAILED);
    assertThat(run.step("evaluate").status()).isEqualTo(StepStatus.SUCCEEDED);
    StepRun deploy = run.step("deploy");
    assertThat(deploy.status()).isEqualTo(StepStatus.FAILED);
    assertThat(deploy.error()).matches("accuracy 0\\.9\\d+ is below minAccuracy 0\\.999: the model is not released");
    assertThat(deploy.attempts()).isEqualTo(1);
  }

  @Test
  void logsWhatEachStepDid(Workspace ws) {
    Run run = ws.submit(Digits.pipeline()).await();

    assertThat(messages(ws, run, "prep")).containsExactly("scaling the 64 pixels of each image from 0..16 to 0..1",
        "read 1797 rows with 10 labels from digits.csv.gz",
        "wrote 1438 rows to train and 359 to test (testFraction 0.2, seed 42)");
    assertThat(messages(ws, run, "train")).anyMatch(m -> m.startsWith("trained k-nearest-neighbours (k=3) on "));
    assertThat(messages(ws, run, "evaluate")).anyMatch(m -> m.startsWith("accuracy 0.9"));
    assertThat(messages(ws, run, "deploy")).anyMatch(m -> m.matches("released model sha256:[0-9a-f]{64} .*"));
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
    assertThat(pipeline.parameters()).containsOnlyKeys("seed", "testFraction", "k", "minAccuracy");
  }

  private static List<String> lines(Run run, String step, String output, String file) throws IOException {
    assertThat(run.step(step).status().isSuccess()).as(String.valueOf(run)).isTrue();
    return Files.readAllLines(Path.of(run.step(step).outputs().get(output)).resolve(file));
  }

  private static List<String> messages(Workspace ws, Run run, String step) {
    return ws.runs().logs(run.id(), step).stream().map(RunEvent.Log::message).toList();
  }

  private static Map<String, Long> countByDigit(List<String> rows) {
    return rows.stream().collect(Collectors.groupingBy(r -> r.substring(r.lastIndexOf(',') + 1),
        Collectors.counting()));
  }
}
