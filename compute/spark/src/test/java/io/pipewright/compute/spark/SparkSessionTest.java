package io.pipewright.compute.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pipewright.spi.ComputeTargetSettings;
import io.pipewright.spi.ComputeTargets;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** A target that starts its own session: from its settings, lazily, and stopped when the target closes. */
class SparkSessionTest {
  @Test
  void startsTheSessionFromItsSettingsOnFirstUseAndStopsItOnClose() {
    SparkTarget target = (SparkTarget) ComputeTargets.create(new ComputeTargetSettings("etl", "spark", Map.of(
        "master", "local[1]", "appName", "pw-session-test", "conf", Map.of("spark.sql.shuffle.partitions", 3))));
    assertThat(SparkSession.getDefaultSession().isDefined()).as("a session before first use").isFalse();

    SparkSession session = target.session();

    assertThat(target.session()).isSameAs(session);
    assertThat(session.sparkContext().master()).isEqualTo("local[1]");
    assertThat(session.sparkContext().appName()).isEqualTo("pw-session-test");
    assertThat(session.conf().get("spark.sql.shuffle.partitions")).isEqualTo("3");
    assertThat(session.conf().get("spark.ui.enabled")).isEqualTo("false");
    assertThat(session.conf().get("spark.driver.host")).isEqualTo("127.0.0.1");
    assertThat(session.range(10).count()).isEqualTo(10);

    target.close();

    assertThat(session.sparkContext().isStopped()).isTrue();
    assertThatThrownBy(target::session).hasMessage("spark target 'etl' is closed");
  }
}
