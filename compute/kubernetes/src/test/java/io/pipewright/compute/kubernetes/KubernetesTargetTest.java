package io.pipewright.compute.kubernetes;

import static io.pipewright.compute.kubernetes.TestCluster.NAMESPACE;
import static io.pipewright.compute.kubernetes.TestCluster.running;
import static io.pipewright.compute.kubernetes.TestCluster.terminated;
import static io.pipewright.compute.kubernetes.TestCluster.waiting;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.pipewright.Resources;
import io.pipewright.StepException;
import io.pipewright.spi.ComputeTargetSettings;
import io.pipewright.spi.Execution;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The target against fabric8's mock API server, with the test playing the cluster (see {@link TestCluster}). Its
 * attempts poll every 100 ms rather than watch (the mock's watch endpoint can stall when a watch closes while it sends
 * an event), but for one test that shows the watches alone follow a Job.
 */
@EnableKubernetesMockClient(crud = true)
class KubernetesTargetTest {
  KubernetesMockServer server;
  KubernetesClient client;
  private TestCluster cluster;
  private KubernetesTarget target;

  @BeforeEach
  void createTarget() {
    cluster = new TestCluster(client);
    target = target(Map.of());
  }

  @AfterEach
  void closeTarget() {
    target.close();
  }

  private KubernetesTarget target(Map<String, Object> extra) {
    ComputeTargetSettings settings = new ComputeTargetSettings("k8s", "kubernetes", Map.of("image",
        "acme/digits:1.4", "namespace", NAMESPACE, "datastoreSecret", "pipewright-datastore"));
    for (Map.Entry<String, Object> e : extra.entrySet()) {
      settings = settings.with(e.getKey(), e.getValue());
    }
    return new KubernetesTarget(KubernetesSettings.from(settings), client, false, Duration.ofMillis(100), false);
  }

  @Test
  void runsAnAttemptAsAJobAndCompletesWhenTheJobSucceeds() throws Exception {
    FakeTask task = new FakeTask("train", new Resources(2, 2L << 30, 1), Duration.ofMinutes(10));

    Execution execution = target.submit(task);
    Job job = cluster.awaitJob();
    TestCluster.serveLog(server, job, "");
    Pod pod = cluster.createPod(job);
    cluster.containerState(pod, running());
    cluster.containerState(pod, terminated(0, "Completed"));
    cluster.finish(job, true, null, null);

    execution.completion().toCompletableFuture().get(20, TimeUnit.SECONDS);
    assertThat(task.starts).hasValue(1);
    assertThat(task.completes).hasValue(1);
    assertThat(task.events).isEmpty();
    assertThat(job.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
    assertThat(job.getMetadata().getName()).matches("digits-train-[0-9a-f]{8}-1");
    assertThat(job.getMetadata().getLabels()).containsEntry("pipewright.io/run",
        "7f3c21a0-5b0e-4c1d-9e2f-0123456789ab").containsEntry("pipewright.io/step", "train")
        .containsEntry("pipewright.io/attempt", "1").containsEntry("pipewright.io/pipeline", "digits");
    assertThat(job.getMetadata().getAnnotations()).containsEntry("pipewright.io/fingerprint", FakeTask.FINGERPRINT);
    assertThat(job.getSpec().getBackoffLimit()).isZero();
    assertThat(job.getSpec().getActiveDeadlineSeconds()).isEqualTo(600L);
    assertThat(job.getSpec().getTtlSecondsAfterFinished()).isEqualTo(86_400);
    assertThat(job.getSpec().getTemplate().getSpec().getRestartPolicy()).isEqualTo("Never");
    Container container = job.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(container.getImage()).isEqualTo("acme/digits:1.4");
    assertThat(container.getCommand()).containsExactly("java", "-XX:MaxRAMPercentage=75",
        "-XX:+ExitOnOutOfMemoryError", "-cp", "/app/lib/*", "io.pipewright.internal.engine.StepRunner",
        "--datastore", "azureblob://acct/ml/ws", "runs/7f3c21a0-5b0e-4c1d-9e2f-0123456789ab/train/1/attempt.json");
    assertThat(container.getResources().getRequests()).containsEntry("cpu", new Quantity("2"))
        .containsEntry("memory", new Quantity("2Gi"));
    assertThat(container.getResources().getLimits()).containsEntry("nvidia.com/gpu", new Quantity("1"))
        .containsEntry("memory", new Quantity("2Gi"));
    assertThat(container.getEnvFrom().get(0).getSecretRef().getName()).isEqualTo("pipewright-datastore");
  }

  @Test
  void followsTheJobThroughWatchesWithoutWaitingForTheResync() throws Exception {
    target.close();
    target = new KubernetesTarget(target.settings(), client, false, Duration.ofMinutes(10), true);
    FakeTask task = new FakeTask("train");
    Execution execution = target.submit(task);
    Job job = cluster.awaitJob();
    TestCluster.serveLog(server, job, "");
    cluster.containerState(cluster.createPod(job), terminated(0, "Completed"));
    cluster.finish(job, true, null, null);

    execution.completion().toCompletableFuture().get(20, TimeUnit.SECONDS);
    assertThat(task.completes).hasValue(1);
  }

  @Test
  void streamsThePodsLogIntoTheAttemptsEventsAndThenCompletes() throws Exception {
    FakeTask task = new FakeTask("train");
    Execution execution = target.submit(task);
    Job job = cluster.awaitJob();
    TestCluster.serveLog(server, job, "{\"pipewright\":\"log\",\"level\":\"INFO\",\"message\":\"epoch 1\"}\n"
        + "{\"pipewright\":\"metric\",\"name\":\"accuracy\",\"value\":0.97}\n");
    Pod pod = cluster.createPod(job);
    cluster.containerState(pod, running());
    TestCluster.await("two log lines", () -> task.events.size() == 2 ? true : null);
    cluster.containerState(pod, terminated(0, "Completed"));
    cluster.finish(job, true, null, null);

    execution.completion().toCompletableFuture().get(20, TimeUnit.SECONDS);
    assertThat(task.events).containsExactly("{\"pipewright\":\"log\",\"level\":\"INFO\",\"message\":\"epoch 1\"}",
        "{\"pipewright\":\"metric\",\"name\":\"accuracy\",\"value\":0.97}");
    assertThat(task.completes).hasValue(1);
  }

  @Test
  void aNonZeroExitIsItsStatusAndTheLastLogLine() throws Exception {
    FakeTask task = new FakeTask("train");
    Execution execution = target.submit(task);
    Job job = cluster.awaitJob();
    TestCluster.serveLog(server, job, "starting\npipewright step runner: java.io.IOException: no such container\n\n");
    Pod pod = cluster.createPod(job);
    cluster.containerState(pod, terminated(2, "Error"));
    cluster.finish(job, false, "BackoffLimitExceeded", "Job has reached the specified backoff limit");

    assertThat(failure(execution)).isInstanceOf(StepException.class).hasMessage("step 'train': its container exited"
        + " with status 2: pipewright step runner: java.io.IOException: no such container");
    assertThat(task.completes).hasValue(0);
  }

  @Test
  void anImageThatCannotBePulledFailsAtOnceNamingTheImageAndDeletesTheJob() throws Exception {
    FakeTask task = new FakeTask("train");
    Execution execution = target.submit(task);
    Job job = cluster.awaitJob();
    Pod pod = cluster.createPod(job);
    cluster.containerState(pod, waiting("ImagePullBackOff", "Back-off pulling image \"acme/digits:1.4\""));

    Throwable failure = failure(execution);
    assertThat(failure).isInstanceOf(StepException.class).hasMessage("step 'train': cannot pull image"
        + " 'acme/digits:1.4' (ImagePullBackOff): Back-off pulling image \"acme/digits:1.4\"");
    assertThat(((StepException) failure).retryable()).isFalse();
    cluster.awaitDeleted(job.getMetadata().getName());
  }

  @Test
  void aContainerKilledForMemoryNamesTheLimit() throws Exception {
    FakeTask task = new FakeTask("train", Resources.DEFAULT.memory("512m"), null);
    Execution execution = target.submit(task);
    Job job = cluster.awaitJob();
    Pod pod = cluster.createPod(job);
    cluster.containerState(pod, running());
    cluster.containerState(pod, terminated(137, "OOMKilled"));
    cluster.finish(job, false, "BackoffLimitExceeded", "Job has reached the specified backoff limit");

    assertThat(failure(execution)).isInstanceOf(StepException.class)
        .hasMessage("step 'train': its container was killed for running out of memory (limit 512Mi)");
  }

  @Test
  void aTimeoutIsTheJobsDeadlineAndItsPassingIsNamed() throws Exception {
    FakeTask task = new FakeTask("train", Resources.DEFAULT, Duration.ofSeconds(90).plusMillis(1));
    Execution execution = target.submit(task);
    Job job = cluster.awaitJob();
    assertThat(job.getSpec().getActiveDeadlineSeconds()).isEqualTo(91L);
    Pod pod = cluster.createPod(job);
    cluster.containerState(pod, running());
    cluster.finish(job, false, "DeadlineExceeded", "Job was active longer than specified deadline");

    assertThat(failure(execution)).isInstanceOf(StepException.class).hasMessage("step 'train': its Job test/"
        + job.getMetadata().getName() + " ran past its deadline of 91 s (activeDeadlineSeconds, the step's timeout)");
  }

  @Test
  void anUnschedulablePodFailsWithTheSchedulersMessage() throws Exception {
    FakeTask task = new FakeTask("train", Resources.DEFAULT.gpus(4), null);
    Execution execution = target.submit(task);
    Job job = cluster.awaitJob();
    Pod pod = cluster.createPod(job);
    cluster.unschedulable(pod, "0/3 nodes are available: 3 Insufficient nvidia.com/gpu.");

    Throwable failure = failure(execution);
    assertThat(failure).isInstanceOf(StepException.class).hasMessage("step 'train': its pod cannot be scheduled:"
        + " 0/3 nodes are available: 3 Insufficient nvidia.com/gpu.");
    assertThat(((StepException) failure).retryable()).isFalse();
    cluster.awaitDeleted(job.getMetadata().getName());
  }

  @Test
  void onAnAutoscalingClusterAnUnschedulablePodGetsTimeToBeScheduled() throws Exception {
    target.close();
    target = target(Map.of("schedulingTimeoutSeconds", 1));
    long start = System.nanoTime();
    Execution execution = target.submit(new FakeTask("train"));
    Pod pod = cluster.createPod(cluster.awaitJob());
    cluster.unschedulable(pod, "0/3 nodes are available: 3 Insufficient nvidia.com/gpu.");

    assertThat(failure(execution)).hasMessage("step 'train': its pod cannot be scheduled (waited 1 s): 0/3 nodes are"
        + " available: 3 Insufficient nvidia.com/gpu.");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void cancellingAFinishedAttemptLeavesItAndItsJobAsTheyWere() throws Exception {
    Execution execution = target.submit(new FakeTask("train"));
    Job job = cluster.awaitJob();
    TestCluster.serveLog(server, job, "");
    cluster.containerState(cluster.createPod(job), terminated(0, "Completed"));
    cluster.finish(job, true, null, null);
    execution.completion().toCompletableFuture().get(20, TimeUnit.SECONDS);

    execution.cancel();
    target.close();

    assertThat(execution.completion().toCompletableFuture()).isCompleted().isNotCompletedExceptionally();
    assertThat(client.batch().v1().jobs().inNamespace(NAMESPACE).withName(job.getMetadata().getName()).get())
        .as("the finished Job, left to its TTL").isNotNull();
  }

  @Test
  void anApiServerThatFailsForAWhileDoesNotFailTheAttempt() throws Exception {
    // A client that does not retry by itself, so that the target sees each failure.
    KubernetesClient impatient = new KubernetesClientBuilder().withConfig(new ConfigBuilder(client.getConfiguration())
        .withRequestRetryBackoffLimit(0).build()).build();
    target.close();
    target = new KubernetesTarget(target.settings(), impatient, true, Duration.ofMillis(100), false);
    FakeTask task = new FakeTask("train");
    Execution execution = target.submit(task);
    Job job = cluster.awaitJob();
    TestCluster.serveLog(server, job, "");
    server.expect().get().withPath("/apis/batch/v1/namespaces/test/jobs/" + job.getMetadata().getName())
        .andReturn(503, "the API server is restarting").times(10);
    cluster.containerState(cluster.createPod(job), terminated(0, "Completed"));
    cluster.finish(job, true, null, null);

    execution.completion().toCompletableFuture().get(60, TimeUnit.SECONDS);
    assertThat(task.completes).hasValue(1);
  }

  @Test
  void aMissingSecretIsAContainerThatCannotStart() throws Exception {
    Execution execution = target.submit(new FakeTask("train"));
    Job job = cluster.awaitJob();
    Pod pod = cluster.createPod(job);
    cluster.containerState(pod, waiting("CreateContainerConfigError", "secret \"pipewright-datastore\" not found"));

    assertThat(failure(execution)).isInstanceOf(StepException.class).hasMessage("step 'train': its container cannot"
        + " start (CreateContainerConfigError): secret \"pipewright-datastore\" not found");
  }

  @Test
  void cancellingDeletesTheJobAndCompletesAtOnceIdempotently() throws Exception {
    FakeTask task = new FakeTask("train");
    Execution execution = target.submit(task);
    Job job = cluster.awaitJob();
    cluster.containerState(cluster.createPod(job), running());

    execution.cancel();
    execution.cancel();

    assertThat(failure(execution)).isInstanceOf(CancellationException.class);
    cluster.awaitDeleted(job.getMetadata().getName());
    execution.cancel();
    assertThat(task.completes).hasValue(0);
  }

  @Test
  void closingDeletesTheJobsOfRunningAttempts() throws Exception {
    Execution first = target.submit(new FakeTask("a"));
    Execution second = target.submit(new FakeTask("b"));
    TestCluster.await("two Jobs", () -> client.batch().v1().jobs().inNamespace(NAMESPACE).list().getItems()
        .size() == 2 ? true : null);

    target.close();

    assertThat(client.batch().v1().jobs().inNamespace(NAMESPACE).list().getItems()).isEmpty();
    assertThat(failure(first)).isInstanceOf(CancellationException.class);
    assertThat(failure(second)).isInstanceOf(CancellationException.class);
  }

  @Test
  void aJobDeletedByOthersFailsTheAttempt() throws Exception {
    Execution execution = target.submit(new FakeTask("train"));
    Job job = cluster.awaitJob();
    client.batch().v1().jobs().inNamespace(NAMESPACE).withName(job.getMetadata().getName()).delete();

    assertThat(failure(execution)).isInstanceOf(StepException.class).hasMessage("step 'train': its Job test/"
        + job.getMetadata().getName() + " was deleted before it ended");
  }

  @Test
  void theRunnersFailureToCompleteFailsTheAttempt() throws Exception {
    FakeTask task = new FakeTask("train");
    task.completeFailure = new StepException("IllegalStateException: bad data");
    Execution execution = target.submit(task);
    Job job = cluster.awaitJob();
    cluster.containerState(cluster.createPod(job), terminated(0, "Completed"));
    cluster.finish(job, true, null, null);

    assertThat(failure(execution)).isInstanceOf(StepException.class).hasMessage("IllegalStateException: bad data");
  }

  @Test
  void schedulingSettingsAndTolerationsReachThePod() throws Exception {
    target.close();
    target = target(Map.of("serviceAccount", "pipewright-runner", "imagePullSecrets", List.of("registry"),
        "nodeSelector", Map.of("gpu", "h100"), "tolerations", List.of(Map.of("key", "nvidia.com/gpu",
            "operator", "Exists", "effect", "NoSchedule")), "env", Map.of("LOG_LEVEL", "debug"),
        "ttlSecondsAfterFinished", 600));
    target.submit(new FakeTask("train"));

    Job job = cluster.awaitJob();
    var pod = job.getSpec().getTemplate().getSpec();
    assertThat(pod.getServiceAccountName()).isEqualTo("pipewright-runner");
    assertThat(pod.getImagePullSecrets()).extracting(r -> r.getName()).containsExactly("registry");
    assertThat(pod.getNodeSelector()).containsExactly(Map.entry("gpu", "h100"));
    assertThat(pod.getTolerations()).singleElement().satisfies(t -> {
      assertThat(t.getKey()).isEqualTo("nvidia.com/gpu");
      assertThat(t.getOperator()).isEqualTo("Exists");
      assertThat(t.getEffect()).isEqualTo("NoSchedule");
    });
    assertThat(pod.getContainers().get(0).getEnv()).singleElement()
        .satisfies(e -> assertThat(e.getName() + "=" + e.getValue()).isEqualTo("LOG_LEVEL=debug"));
    assertThat(job.getSpec().getTtlSecondsAfterFinished()).isEqualTo(600);
  }

  private static Throwable failure(Execution execution) throws InterruptedException {
    try {
      execution.completion().toCompletableFuture().get(20, TimeUnit.SECONDS);
      throw new AssertionError("the attempt succeeded");
    } catch (CancellationException e) {
      return e;
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("the attempt did not end in time");
    }
  }
}
