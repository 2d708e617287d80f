package io.pipewright.compute.kubernetes;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.pipewright.spi.ComputeTarget;
import io.pipewright.spi.ComputeTargetSettings;
import io.pipewright.testing.ComputeTargetContract;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;

/**
 * The {@code kubernetes} target passes the contract on the mock API server, with {@link ProcessCluster} running each
 * Job's command as a local JVM: real processes are started, stopped (their Job deleted) and completed.
 */
@EnableKubernetesMockClient(crud = true)
class KubernetesTargetContractTest extends ComputeTargetContract {
  KubernetesMockServer server;
  KubernetesClient client;
  private ProcessCluster cluster;

  @Override
  protected ComputeTarget newTarget() {
    cluster = new ProcessCluster(server, client);
    return new KubernetesTarget(KubernetesSettings.from(new ComputeTargetSettings("k8s", "kubernetes",
        Map.of("image", "acme/contract:1", "namespace", TestCluster.NAMESPACE, "maxConcurrentSteps", 3))),
        client, false, Duration.ofMillis(100), false);
  }

  @AfterEach
  void stopCluster() {
    cluster.close();
  }
}
