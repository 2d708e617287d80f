package io.pipewright.compute.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/**
 * The test playing the cluster on fabric8's CRUD mock API server, where nothing runs Jobs: it finds the Jobs the
 * target created, creates their pods, and sets pod and Job statuses as the kubelet and the Job controller would.
 */
final class TestCluster {
  static final String NAMESPACE = "test";
  private final KubernetesClient client;

  TestCluster(KubernetesClient client) {
    this.client = client;
  }

  /** The only Job, once the target has created it. */
  Job awaitJob() {
    return await("a Job", () -> {
      List<Job> jobs = client.batch().v1().jobs().inNamespace(NAMESPACE).list().getItems();
      return jobs.isEmpty() ? null : jobs.get(0);
    });
  }

  /** Whether the Job of that name is gone, waiting for it to go. */
  void awaitDeleted(String job) {
    await("Job " + job + " deleted",
        () -> client.batch().v1().jobs().inNamespace(NAMESPACE).withName(job).get() == null ? true : null);
  }

  /**
   * Serves the log of the Job's pod, as the kubelet would: the CRUD mock has no log endpoint (it answers with a list
   * of everything), so this is an expectation of its mixed mode.
   */
  static void serveLog(KubernetesMockServer server, Job job, String log) {
    server.expect().get().withPath("/api/v1/namespaces/" + NAMESPACE + "/pods/" + podName(job)
        + "/log?pretty=false&container=" + KubernetesJobs.CONTAINER + "&follow=true").andReturn(200, log).always();
  }

  static String podName(Job job) {
    return job.getMetadata().getName() + "-x7k2p";
  }

  /** Creates the Job's pod from its template, pending. */
  Pod createPod(Job job) {
    String name = podName(job);
    Pod pod = new PodBuilder().withNewMetadata().withName(name).withNamespace(NAMESPACE)
        .withLabels(job.getSpec().getTemplate().getMetadata().getLabels()).endMetadata()
        .withSpec(job.getSpec().getTemplate().getSpec())
        .withNewStatus().withPhase("Pending").endStatus().build();
    return client.pods().inNamespace(NAMESPACE).resource(pod).create();
  }

  /** Sets the pod's container state (and a phase that goes with it). */
  Pod containerState(Pod pod, ContainerState state) {
    String phase = state.getRunning() != null ? "Running" : state.getTerminated() == null ? "Pending"
        : state.getTerminated().getExitCode() == 0 ? "Succeeded" : "Failed";
    Pod current = client.pods().inNamespace(NAMESPACE).withName(pod.getMetadata().getName()).get();
    current.setStatus(new PodStatusBuilder().withPhase(phase).withConditions(scheduled(true, null))
        .withContainerStatuses(new ContainerStatusBuilder().withName(KubernetesJobs.CONTAINER)
            .withImage(pod.getSpec().getContainers().get(0).getImage()).withState(state).build()).build());
    return client.pods().inNamespace(NAMESPACE).resource(current).updateStatus();
  }

  /** Marks the pod unschedulable, with the scheduler's message. */
  Pod unschedulable(Pod pod, String message) {
    Pod current = client.pods().inNamespace(NAMESPACE).withName(pod.getMetadata().getName()).get();
    current.setStatus(new PodStatusBuilder().withPhase("Pending").withConditions(scheduled(false, message)).build());
    return client.pods().inNamespace(NAMESPACE).resource(current).updateStatus();
  }

  static ContainerState running() {
    return new ContainerStateBuilder().withNewRunning().withStartedAt("2026-11-30T10:00:00Z").endRunning().build();
  }

  static ContainerState waiting(String reason, String message) {
    return new ContainerStateBuilder().withNewWaiting().withReason(reason).withMessage(message).endWaiting().build();
  }

  static ContainerState terminated(int exitCode, String reason) {
    return new ContainerStateBuilder().withNewTerminated().withExitCode(exitCode).withReason(reason).endTerminated()
        .build();
  }

  /** Ends the Job as the Job controller does: Complete, or Failed with a reason. */
  Job finish(Job job, boolean succeeded, String reason, String message) {
    // Read through the list, so that a test may make the Job's own path fail (as an API server that restarts).
    Job current = client.batch().v1().jobs().inNamespace(NAMESPACE).list().getItems().stream()
        .filter(j -> j.getMetadata().getName().equals(job.getMetadata().getName())).findFirst().orElseThrow();
    JobStatusBuilder status = new JobStatusBuilder().withStartTime("2026-11-30T10:00:00Z")
        .withConditions(new JobConditionBuilder().withType(succeeded ? "Complete" : "Failed").withStatus("True")
            .withReason(reason).withMessage(message).build());
    current.setStatus((succeeded ? status.withSucceeded(1) : status.withFailed(1)).build());
    return client.batch().v1().jobs().inNamespace(NAMESPACE).resource(current).updateStatus();
  }

  private static PodCondition scheduled(boolean yes, String message) {
    return new PodConditionBuilder().withType("PodScheduled").withStatus(yes ? "True" : "False")
        .withReason(yes ? null : "Unschedulable").withMessage(message).build();
  }

  static <T> T await(String what, Supplier<T> probe) {
    long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < until) {
      T value = probe.get();
      if (value != null) {
        return value;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for " + what);
      }
    }
    assertThat(probe.get()).as("not in time: " + what).isNotNull();
    return null;
  }
}
