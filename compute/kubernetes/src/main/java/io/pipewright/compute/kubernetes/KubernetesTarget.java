package io.pipewright.compute.kubernetes;

import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.pipewright.spi.Capacity;
import io.pipewright.spi.ComputeTarget;
import io.pipewright.spi.Execution;
import io.pipewright.spi.RunnerAttempt;
import io.pipewright.spi.StepTask;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code kubernetes} target: each attempt is a batch/v1 Job (see {@link KubernetesJobs}) whose pod runs the step
 * runner in the configured image, on another machine that shares only the workspace's datastore with this one
 * ({@link RunnerAttempt#startRemote()}). The target watches the Job and its pod until the Job ends, streams the pod's
 * log into the step's log and metrics as lines come, and turns what went wrong into one line: an image that cannot be
 * pulled, a pod that cannot be scheduled, a container killed for memory, a deadline passed, a non-zero exit status
 * with the last log line.
 *
 * <p>Cancelling an attempt (a timeout, a cancelled run) deletes its Job with background propagation, so its pod goes
 * too; {@link #close()} deletes the Jobs of the attempts still running. Finished Jobs stay for
 * {@code ttlSecondsAfterFinished}, after which the cluster's TTL controller deletes them. Retries are the engine's:
 * every Job has {@code backoffLimit: 0}, and each engine attempt is a Job of its own.
 *
 * <p>Thread-safe.
 */
public final class KubernetesTarget implements ComputeTarget {
  private static final Logger LOG = LoggerFactory.getLogger(KubernetesTarget.class);
  /** How often an attempt re-reads its Job and pod even when no watch event came. */
  static final Duration RESYNC = Duration.ofSeconds(5);
  /** How long a closing target waits for the deletion of the Jobs still running. */
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(30);

  private final KubernetesSettings settings;
  private final KubernetesClient client;
  private final boolean ownsClient;
  private final String namespace;
  private final Duration resync;
  private final boolean watch;
  private final ExecutorService threads;
  private final Set<JobExecution> running = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  /**
   * @param settings what the Jobs look like, and the capacity
   * @param client the client that reaches the cluster
   * @param ownsClient whether {@link #close()} closes the client
   */
  public KubernetesTarget(KubernetesSettings settings, KubernetesClient client, boolean ownsClient) {
    this(settings, client, ownsClient, RESYNC, true);
  }

  /**
   * With {@code watch} false, attempts only poll, every {@code resync}: tests on fabric8's mock API server, whose
   * watch endpoint can block its event loop for a minute when a client closes a watch while an event is being sent.
   */
  KubernetesTarget(KubernetesSettings settings, KubernetesClient client, boolean ownsClient, Duration resync,
      boolean watch) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.client = Objects.requireNonNull(client, "client");
    this.ownsClient = ownsClient;
    this.resync = resync;
    this.watch = watch;
    String configured = client.getNamespace();
    this.namespace = settings.namespace().orElse(configured == null || configured.isBlank() ? "default" : configured);
    AtomicInteger counter = new AtomicInteger();
    int slots = settings.capacity().maxConcurrentSteps();
    this.threads = new ThreadPoolExecutor(slots, slots, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
      Thread t = new Thread(r, "pipewright-kubernetes-" + settings.name() + "-" + counter.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  @Override
  public String type() {
    return "kubernetes";
  }

  @Override
  public Capacity capacity() {
    return settings.capacity();
  }

  @Override
  public boolean runsOutOfProcess() {
    return true;
  }

  @Override
  public boolean runsOnOtherMachines() {
    return true;
  }

  /** {@code image:IMAGE}: steps run the image's code, so another image is another environment. */
  @Override
  public String environment() {
    return settings.environment();
  }

  /** The settings it was created with. */
  public KubernetesSettings settings() {
    return settings;
  }

  /** The namespace its Jobs are created in. */
  public String namespace() {
    return namespace;
  }

  @Override
  public Execution submit(StepTask task) {
    if (closed) {
      throw new IllegalStateException("target '" + settings.name() + "' is closed");
    }
    RunnerAttempt attempt = task.outOfProcess().orElseThrow(() -> new IllegalArgumentException(
        "step '" + task.stepName() + "': the kubernetes target needs an attempt the step runner can run"));
    JobExecution execution = new JobExecution(this, task, attempt);
    running.add(execution);
    execution.completion().whenComplete((ignored, e) -> running.remove(execution));
    threads.execute(execution);
    return execution;
  }

  /** Cancels every running attempt, deleting its Job, and waits (boundedly) for the deletions. */
  @Override
  public void close() {
    closed = true;
    List<JobExecution> left = new ArrayList<>(running);
    List<CompletableFuture<Void>> deletions = new ArrayList<>();
    for (JobExecution execution : left) {
      execution.cancel();
      deletions.add(execution.stopped());
    }
    try {
      CompletableFuture.allOf(deletions.toArray(CompletableFuture[]::new))
          .get(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      LOG.warn("target '{}': gave up waiting for the deletion of {} Job(s): {}", settings.name(), left.size(),
          e.toString());
    }
    threads.shutdownNow();
    if (ownsClient) {
      client.close();
    }
  }

  KubernetesClient client() {
    return client;
  }

  Duration resync() {
    return resync;
  }

  boolean watches() {
    return watch;
  }

  /** Deletes a Job and its pods; a Job already gone is fine. */
  void delete(String job) {
    try {
      client.batch().v1().jobs().inNamespace(namespace).withName(job)
          .withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
    } catch (RuntimeException e) {
      LOG.warn("target '{}': could not delete Job {}/{}: {}", settings.name(), namespace, job, e.toString());
    }
  }
}
