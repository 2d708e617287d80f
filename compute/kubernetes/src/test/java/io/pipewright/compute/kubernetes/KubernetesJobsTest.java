package io.pipewright.compute.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.pipewright.Resources;
import io.pipewright.spi.ComputeTargetSettings;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The Job of an attempt: names, labels and quantities within Kubernetes' rules. */
class KubernetesJobsTest {
  private static final KubernetesSettings SETTINGS = KubernetesSettings.from(new ComputeTargetSettings("k8s",
      "kubernetes", Map.of("image", "acme/digits:1.4")));

  private static KubernetesJobs.Attempt attempt(String pipeline, String step, int number) {
    return new KubernetesJobs.Attempt(pipeline, "7f3c21a0-5b0e-4c1d-9e2f-0123456789ab", step, number,
        "sha256:" + "0f".repeat(32), Resources.DEFAULT, Optional.empty());
  }

  @Test
  void namesAreDnsLabelsOfAtMost63CharactersAndDifferPerStepAndAttempt() {
    String longName = KubernetesJobs.name(attempt("Digits_Pipeline.With-A-Very-Long-Name-Indeed",
        "Train The Model On All The GPUs We Have", 12));
    String first = KubernetesJobs.name(attempt("digits", "a_b", 1));
    String same = KubernetesJobs.name(attempt("digits", "a.b", 1));

    assertThat(longName).hasSizeLessThanOrEqualTo(63).matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?").endsWith("-12")
        .startsWith("digits-pipeline-with-a-very-long-name-indeed-train");
    assertThat(first).matches("digits-a-b-[0-9a-f]{8}-1");
    assertThat(same).matches("digits-a-b-[0-9a-f]{8}-1").isNotEqualTo(first);
    assertThat(KubernetesJobs.name(attempt("digits", "a_b", 2))).isEqualTo(first.replaceAll("-1$", "-2"));
  }

  @Test
  void labelValuesAreSanitisedAndCutWhileAnnotationsKeepTheFullValues() {
    Job job = KubernetesJobs.job(SETTINGS, attempt("digits", "-train step/" + "x".repeat(80), 1),
        KubernetesManifests.STEP_RUNNER, List.of());

    Map<String, String> labels = job.getMetadata().getLabels();
    assertThat(labels.values()).allSatisfy(v -> assertThat(v).hasSizeLessThanOrEqualTo(63)
        .matches("([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?"));
    assertThat(labels.get("pipewright.io/step")).startsWith("train-step-xxx").hasSize(62);
    assertThat(labels.get("pipewright.io/fingerprint")).isEqualTo(("sha256-" + "0f".repeat(32)).substring(0, 63));
    assertThat(job.getMetadata().getAnnotations()).containsEntry("pipewright.io/fingerprint",
        "sha256:" + "0f".repeat(32)).containsEntry("pipewright.io/run-id", "7f3c21a0-5b0e-4c1d-9e2f-0123456789ab");
    assertThat(job.getSpec().getTemplate().getMetadata().getLabels()).isEqualTo(labels);
  }

  @Test
  void resourcesBecomeRequestsAndLimitsAndATimeoutADeadlineRoundedUp() {
    KubernetesJobs.Attempt a = new KubernetesJobs.Attempt("digits", "r", "train", 1, "sha256:00",
        new Resources(4, 3L << 29, 2), Optional.of(Duration.ofMillis(1500)));

    Job job = KubernetesJobs.job(SETTINGS, a, KubernetesManifests.STEP_RUNNER, List.of());

    var resources = job.getSpec().getTemplate().getSpec().getContainers().get(0).getResources();
    assertThat(resources.getRequests()).containsOnlyKeys("cpu", "memory");
    assertThat(resources.getRequests().get("memory").toString()).isEqualTo("1536Mi");
    assertThat(resources.getLimits().get("nvidia.com/gpu").toString()).isEqualTo("2");
    assertThat(resources.getLimits().get("cpu").toString()).isEqualTo("4");
    assertThat(job.getSpec().getActiveDeadlineSeconds()).isEqualTo(2L);
    assertThat(KubernetesJobs.memory(1000)).isEqualTo("1000");
  }

  @Test
  void withoutATimeoutOrDatastoreSecretThereIsNoDeadlineAndNoEnvFrom() {
    Job job = KubernetesJobs.job(SETTINGS, attempt("digits", "train", 1), KubernetesManifests.STEP_RUNNER,
        List.of());

    assertThat(job.getSpec().getActiveDeadlineSeconds()).isNull();
    assertThat(job.getSpec().getTemplate().getSpec().getContainers().get(0).getEnvFrom()).isEmpty();
    assertThat(job.getMetadata().getNamespace()).isNull();
  }
}
