package io.pipewright.compute.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.pipewright.StepException;
import io.pipewright.spi.ComputeTargets;
import io.pipewright.spi.ComputeTargetSettings;
import io.pipewright.spi.Execution;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Against a real cluster, opt-in: runs only when {@code PIPEWRIGHT_TEST_KUBECONFIG} names a kubeconfig (CI does not
 * set it). Uses a stock JDK image ({@code PIPEWRIGHT_TEST_IMAGE}, default {@code eclipse-temurin:17-jre}) in the
 * namespace {@code PIPEWRIGHT_TEST_NAMESPACE} (default: the context's), so it checks the Job's life on a cluster (pull,
 * schedule, run, log, status, deletion), not the step runner: {@code -version} among the Java options makes the JVM
 * print its version and exit with 0 before it would load the runner.
 */
class KubernetesClusterIT {
  private static final String KUBECONFIG = System.getenv("PIPEWRIGHT_TEST_KUBECONFIG");
  private KubernetesTarget target;

  @BeforeEach
  void requireACluster() {
    assumeTrue(KUBECONFIG != null && !KUBECONFIG.isBlank(),
        "set PIPEWRIGHT_TEST_KUBECONFIG to a kubeconfig to run the tests against a real cluster");
  }

  @AfterEach
  void close() {
    if (target != null) {
      target.close();
    }
  }

  private KubernetesTarget target(Map<String, Object> extra) {
    ComputeTargetSettings s = new ComputeTargetSettings("it", "kubernetes", Map.of("kubeconfig", KUBECONFIG,
        "image", Optional.ofNullable(System.getenv("PIPEWRIGHT_TEST_IMAGE")).orElse("eclipse-temurin:17-jre"),
        "ttlSecondsAfterFinished", 120));
    String namespace = System.getenv("PIPEWRIGHT_TEST_NAMESPACE");
    if (namespace != null && !namespace.isBlank()) {
      s = s.with("namespace", namespace);
    }
    for (Map.Entry<String, Object> e : extra.entrySet()) {
      s = s.with(e.getKey(), e.getValue());
    }
    target = (KubernetesTarget) ComputeTargets.create(s);
    return target;
  }

  private static Throwable failure(Execution execution) throws Exception {
    try {
      execution.completion().toCompletableFuture().get(5, TimeUnit.MINUTES);
      throw new AssertionError("the attempt succeeded");
    } catch (CancellationException e) {
      return e;
    } catch (ExecutionException e) {
      return e.getCause();
    }
  }

  @Test
  void runsAJobToCompletionAndStreamsItsLog() throws Exception {
    FakeTask task = new FakeTask("version");
    Execution execution = target(Map.of("javaOptions", List.of("-version"))).submit(task);

    execution.completion().toCompletableFuture().get(5, TimeUnit.MINUTES);

    assertThat(task.completes).hasValue(1);
    assertThat(String.join("\n", task.events)).containsIgnoringCase("openjdk");
  }

  @Test
  void aMainClassTheImageLacksIsItsExitStatusAndLastLogLine() throws Exception {
    Execution execution = target(Map.of()).submit(new FakeTask("missing"));

    assertThat(failure(execution)).isInstanceOf(StepException.class)
        .hasMessageStartingWith("step 'missing': its container exited with status 1: ")
        .hasMessageContaining("StepRunner");
  }

  @Test
  void anImageThatCannotBePulledIsNamed() throws Exception {
    Execution execution = target(Map.of("image", "pipewright.invalid/no-such-image:0")).submit(new FakeTask("pull"));

    assertThat(failure(execution)).isInstanceOf(StepException.class)
        .hasMessageStartingWith("step 'pull': cannot pull image 'pipewright.invalid/no-such-image:0' (");
  }

  @Test
  void cancellingAPendingAttemptDeletesItsJob() throws Exception {
    KubernetesTarget t = target(Map.of("nodeSelector", Map.of("pipewright.io/no-such-node", "true"),
        "schedulingTimeoutSeconds", 600));
    Execution execution = t.submit(new FakeTask("pending"));
    KubernetesClient client = t.client();
    String name = TestCluster.await("the Job", () -> client.batch().v1().jobs().inNamespace(t.namespace())
        .withLabel("pipewright.io/step", "pending").list().getItems().stream().findFirst()
        .map(j -> j.getMetadata().getName()).orElse(null));

    execution.cancel();

    assertThat(failure(execution)).isInstanceOf(CancellationException.class);
    TestCluster.await("the Job deleted", () -> client.batch().v1().jobs().inNamespace(t.namespace())
        .withName(name).get() == null ? true : null);
  }
}
