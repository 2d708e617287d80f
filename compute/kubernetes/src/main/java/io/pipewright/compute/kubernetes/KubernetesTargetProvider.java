package io.pipewright.compute.kubernetes;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.pipewright.UserException;
import io.pipewright.spi.ComputeTarget;
import io.pipewright.spi.ComputeTargetProvider;
import io.pipewright.spi.ComputeTargetSettings;
import java.io.File;

/**
 * The {@code kubernetes} type: reads the settings (see {@link KubernetesSettings}) and connects to the cluster the
 * way {@code kubectl} would: the kubeconfig ({@code kubeconfig} setting, else {@code KUBECONFIG}, else
 * {@code ~/.kube/config}) and its current context or {@code context}, or, inside a pod, the pod's service account.
 * Creating the target contacts nothing; the first attempt does.
 *
 * <pre>{@code
 * "targets": {"gpu": {"type": "kubernetes", "image": "acme/digits:1.4", "namespace": "ml",
 *                     "datastoreSecret": "pipewright-datastore", "gpus": 8}}
 * }</pre>
 */
public final class KubernetesTargetProvider implements ComputeTargetProvider {
  @Override
  public String type() {
    return "kubernetes";
  }

  @Override
  public ComputeTarget create(ComputeTargetSettings settings) {
    KubernetesSettings s = KubernetesSettings.from(settings);
    Config config;
    String context = s.context().orElse(null);
    try {
      config = s.kubeconfig().isPresent() ? Config.fromKubeconfig(context, new File(s.kubeconfig().get()))
          : Config.autoConfigure(context);
    } catch (RuntimeException e) {
      throw new UserException(settings.path(s.kubeconfig().isPresent() ? "kubeconfig" : "context")
          + ": cannot configure the Kubernetes client: " + e.getMessage(), e);
    }
    KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
    return new KubernetesTarget(s, client, true);
  }
}
