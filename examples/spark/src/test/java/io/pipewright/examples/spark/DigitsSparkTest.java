package io.pipewright.examples.spark;

import static org.assertj.core.api.Assertions.assertThat;

import io.pipewright.Run;
import io.pipewright.RunStatus;
import io.pipewright.StepStatus;
import io.pipewright.Workspace;
import io.pipewright.WorkspaceConfig;
import io.pipewright.spi.PipelineProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DigitsSparkTest {
  @TempDir
  Path dir;

  @Test
  void runsEndToEndWithItsPrepOnSparkAndReachesTheAccuracyThenReusesEverything() {
    WorkspaceConfig config = WorkspaceConfig.parse("""
        {"targets": {"spark": {"type": "spark", "master": "local[2]",
                               "conf": {"spark.sql.shuffle.partitions": 2,
                                        "spark.sql.debug.maxToStringFields": 100}}}}""", "test");
    try (Workspace ws = Workspace.builder(dir).config(config).open()) {
      Run run = ws.submit(DigitsSpark.pipeline()).await();

      assertThat(run.status()).as(String.valueOf(run)).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(run.step("prep").computeTarget()).isEqualTo("spark");
      assertThat(run.step("evaluate").metrics().get("accuracy")).isGreaterThanOrEqualTo(0.90);
      assertThat(run.step("evaluate").metrics().get("test.rows")).isBetween(300.0, 420.0);

      Run again = ws.submit(DigitsSpark.pipeline()).await();
      assertThat(again.steps()).allSatisfy(step -> assertThat(step.status()).isEqualTo(StepStatus.REUSED));
    }
  }

  @Test
  void isRegisteredAsDigitsSpark() {
    assertThat(ServiceLoader.load(PipelineProvider.class).stream().map(ServiceLoader.Provider::get)
        .map(PipelineProvider::name)).contains("digits-spark");
  }

  /** The launcher picks this module's classpath for the pipelines its list names: the list must be this module's. */
  @Test
  void theLaunchersListNamesExactlyThePipelinesOfThisModule() throws Exception {
    List<String> listed = Files.readAllLines(Path.of("src/main/resources/META-INF/pipewright/pipelines")).stream()
        .filter(line -> !line.isBlank()).toList();
    List<String> provided = ServiceLoader.load(PipelineProvider.class).stream()
        .filter(p -> p.type().getPackageName().equals(DigitsSpark.class.getPackageName()))
        .map(p -> p.get().name()).toList();
    assertThat(listed).containsExactlyInAnyOrderElementsOf(provided);
  }
}
