package io.pipewright.compute.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pipewright.UserException;
import io.pipewright.spi.Capacity;
import io.pipewright.spi.ComputeTarget;
import io.pipewright.spi.ComputeTargetSettings;
import io.pipewright.spi.ComputeTargets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SparkTargetProviderTest {
  private static ComputeTarget create(Map<String, ?> values) {
    return ComputeTargets.create(new ComputeTargetSettings("etl", "spark", values));
  }

  @Test
  void isFoundByTypeWithCapacityFromItsSettings() {
    try (ComputeTarget target = create(Map.of("master", "local[3]", "memory", "2g"))) {
      assertThat(target).isInstanceOf(SparkTarget.class);
      assertThat(target.type()).isEqualTo("spark");
      assertThat(target.capacity()).isEqualTo(new Capacity(3, 2L << 30, 0, 3));
    }
    try (ComputeTarget target = create(Map.of("cpus", 8, "maxConcurrentSteps", 2))) {
      assertThat(((SparkTarget) target).master()).isEqualTo("local[*]");
      assertThat(target.capacity()).isEqualTo(new Capacity(8, Runtime.getRuntime().maxMemory(), 0, 2));
    }
  }

  @Test
  void defaultCpusFollowTheMaster() {
    int processors = Runtime.getRuntime().availableProcessors();
    assertThat(SparkTargetProvider.defaultCpus("local")).isEqualTo(1);
    assertThat(SparkTargetProvider.defaultCpus("local[4]")).isEqualTo(4);
    assertThat(SparkTargetProvider.defaultCpus("local[2,3]")).isEqualTo(2);
    assertThat(SparkTargetProvider.defaultCpus("local[*]")).isEqualTo(processors);
    assertThat(SparkTargetProvider.defaultCpus("spark://host:7077")).isEqualTo(processors);
  }

  @Test
  void disablesTheUiAndBindsALocalMasterToLoopbackUnlessConfigured() {
    assertThat(SparkTarget.effectiveConf("local[2]", Map.of())).containsExactlyInAnyOrderEntriesOf(Map.of(
        "spark.ui.enabled", "false", "spark.driver.host", "127.0.0.1", "spark.driver.bindAddress", "127.0.0.1"));
    assertThat(SparkTarget.effectiveConf("spark://host:7077", Map.of("spark.ui.enabled", "true")))
        .containsExactlyInAnyOrderEntriesOf(Map.of("spark.ui.enabled", "true"));
  }

  @Test
  void refusesUnknownSettingsAndWrongConfValuesNamingTheKeyPath() {
    assertThatThrownBy(() -> create(Map.of("threads", 2))).isInstanceOf(UserException.class).hasMessage(
        "targets.etl.threads: unknown setting for a spark target (known: appName, conf, cpus, master,"
            + " maxConcurrentSteps, memory)");
    assertThatThrownBy(() -> create(Map.of("conf", List.of("a")))).hasMessage(
        "targets.etl.conf: expected an object of Spark settings, got a list");
    assertThatThrownBy(() -> create(Map.of("conf", Map.of("spark.x", List.of(1))))).hasMessage(
        "targets.etl.conf.spark.x: expected a string, number or boolean, got a list");
    assertThatThrownBy(() -> create(Map.of("conf", Map.of("spark.ssl.keyPassword", List.of("hunter2")))))
        .hasMessage("targets.etl.conf.spark.ssl.keyPassword: expected a string, number or boolean, got a list");
    assertThatThrownBy(() -> create(Map.of("maxConcurrentSteps", 0))).hasMessage(
        "targets.etl.maxConcurrentSteps: must be >= 1, was 0");
  }
}
