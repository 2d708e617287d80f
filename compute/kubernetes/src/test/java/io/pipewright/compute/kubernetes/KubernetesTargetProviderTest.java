package io.pipewright.compute.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pipewright.UserException;
import io.pipewright.spi.Capacity;
import io.pipewright.spi.ComputeTarget;
import io.pipewright.spi.ComputeTargetSettings;
import io.pipewright.spi.ComputeTargets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Creating the {@code kubernetes} target from a config entry: discovery, defaults, and one-line errors. */
class KubernetesTargetProviderTest {
  @TempDir
  Path tmp;

  private static ComputeTargetSettings settings(Map<String, Object> values) {
    return new ComputeTargetSettings("gpu", "kubernetes", values);
  }

  private Path kubeconfig() throws Exception {
    return Files.writeString(tmp.resolve("kubeconfig"), """
        apiVersion: v1
        kind: Config
        clusters:
        - name: lab
          cluster: {server: "https://127.0.0.1:6443"}
        contexts:
        - name: lab
          context: {cluster: lab, user: me, namespace: ml}
        - name: other
          context: {cluster: lab, user: me, namespace: batch}
        current-context: lab
        users:
        - name: me
          user: {token: not-a-real-token}
        """);
  }

  @Test
  void isFoundByTypeRunsOnOtherMachinesAndNamesItsImageAsTheEnvironment() throws Exception {
    try (ComputeTarget target = ComputeTargets.create(settings(Map.of("image", "acme/digits:1.4",
        "kubeconfig", kubeconfig().toString(), "cpus", 32, "memory", "128g", "gpus", 8, "maxConcurrentSteps", 4)))) {
      assertThat(target).isInstanceOf(KubernetesTarget.class);
      assertThat(target.type()).isEqualTo("kubernetes");
      assertThat(target.runsOutOfProcess()).isTrue();
      assertThat(target.runsOnOtherMachines()).isTrue();
      assertThat(target.environment()).isEqualTo("image:acme/digits:1.4");
      assertThat(target.capacity()).isEqualTo(new Capacity(32, 128L << 30, 8, 4));
      assertThat(((KubernetesTarget) target).namespace()).isEqualTo("ml");
    }
  }

  @Test
  void takesTheNamespaceOfTheContextItIsGivenUnlessOneIsSet() throws Exception {
    Path config = kubeconfig();
    try (KubernetesTarget target = (KubernetesTarget) ComputeTargets.create(settings(Map.of("image", "a:1",
        "kubeconfig", config.toString(), "context", "other")))) {
      assertThat(target.namespace()).isEqualTo("batch");
    }
    try (KubernetesTarget target = (KubernetesTarget) ComputeTargets.create(settings(Map.of("image", "a:1",
        "kubeconfig", config.toString(), "namespace", "team-a")))) {
      assertThat(target.namespace()).isEqualTo("team-a");
    }
  }

  @Test
  void hasDefaultsForEverythingButTheImage() {
    KubernetesSettings s = KubernetesSettings.from(settings(Map.of("image", "acme/digits:1.4")));

    assertThat(s.namespace()).isEmpty();
    assertThat(s.classpath()).isEqualTo("/app/lib/*");
    assertThat(s.javaOptions()).containsExactly("-XX:MaxRAMPercentage=75");
    assertThat(s.ttlSecondsAfterFinished()).isEqualTo(86_400);
    assertThat(s.schedulingTimeoutSeconds()).isZero();
    assertThat(s.capacity()).isEqualTo(new Capacity(64, 256L << 30, 0, 16));
    assertThat(s.datastoreSecret()).isEmpty();
  }

  @Test
  void refusesBadSettingsWithOneLineNamingTheSetting() {
    assertThatThrownBy(() -> KubernetesSettings.from(settings(Map.of()))).isInstanceOf(UserException.class)
        .hasMessage("targets.gpu.image: required -- the container image that runs the steps, with JDK 17 and the"
            + " application's jars, e.g. \"acme/digits:1.4\"");
    assertThatThrownBy(() -> KubernetesSettings.from(settings(Map.of("image", "a:1", "namespce", "ml"))))
        .hasMessage("targets.gpu.namespce: unknown setting for a kubernetes target (known: classpath, context, cpus,"
            + " datastoreSecret, env, gpus, image, imagePullSecrets, javaOptions, kubeconfig, maxConcurrentSteps,"
            + " memory, namespace, nodeSelector, schedulingTimeoutSeconds, serviceAccount, tolerations,"
            + " ttlSecondsAfterFinished)");
    assertThatThrownBy(() -> KubernetesSettings.from(settings(Map.of("image", "a:1", "namespace", "ML_Team"))))
        .hasMessage("targets.gpu.namespace: expected a Kubernetes name (lower-case letters, digits and '-'), got"
            + " \"ML_Team\"");
    assertThatThrownBy(() -> KubernetesSettings.from(settings(Map.of("image", "a:1", "nodeSelector", List.of("gpu")))))
        .hasMessage("targets.gpu.nodeSelector: expected an object of strings, got a list");
    assertThatThrownBy(() -> KubernetesSettings.from(settings(Map.of("image", "a:1",
        "tolerations", List.of(Map.of("key", "gpu", "efect", "NoSchedule"))))))
        .hasMessage("targets.gpu.tolerations[0].efect: unknown (known: effect, key, operator, tolerationSeconds,"
            + " value)");
    assertThatThrownBy(() -> KubernetesSettings.from(settings(Map.of("image", "a:1", "gpus", -1))))
        .hasMessage("targets.gpu.gpus: must be >= 0, was -1");
  }

  @Test
  void refusesCredentialsInlineAndNeverShowsTheirValue() {
    assertThatThrownBy(() -> KubernetesSettings.from(settings(Map.of("image", "a:1",
        "env", Map.of("AZURE_STORAGE_KEY", "c2VjcmV0")))))
        .isInstanceOf(UserException.class)
        .hasMessage("targets.gpu.env.AZURE_STORAGE_KEY: looks like a credential -- put it in the Secret that"
            + " datastoreSecret names, never inline");
    assertThatThrownBy(() -> KubernetesSettings.from(settings(Map.of("image", "a:1",
        "env", Map.of("PIPEWRIGHT_DATASTORE_SETTINGS", "{}")))))
        .hasMessageStartingWith("targets.gpu.env.PIPEWRIGHT_DATASTORE_SETTINGS: looks like a credential");
  }

  @Test
  void aKubeconfigThatCannotBeReadIsOneLineNamingTheSetting() {
    Path missing = tmp.resolve("no-such-kubeconfig");

    assertThatThrownBy(() -> ComputeTargets.create(settings(Map.of("image", "a:1", "kubeconfig",
        missing.toString())))).isInstanceOf(UserException.class)
        .hasMessageStartingWith("targets.gpu.kubeconfig: cannot configure the Kubernetes client: ")
        .hasMessageNotContaining("\n");
  }
}
