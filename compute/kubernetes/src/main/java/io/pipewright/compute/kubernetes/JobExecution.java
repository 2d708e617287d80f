package io.pipewright.compute.kubernetes;

import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.LogWatch;
import io.pipewright.StepException;
import io.pipewright.spi.Execution;
import io.pipewright.spi.RunnerAttempt;
import io.pipewright.spi.StepDescription;
import io.pipewright.spi.StepTask;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/** One attempt as a Job: creates it, follows it and its pod to the end, deletes it when cancelled. */
final class JobExecution implements Execution, Runnable {
  /** Waiting reasons of a container that will not start by waiting longer. */
  private static final Set<String> IMAGE_REASONS = Set.of("ErrImagePull", "ImagePullBackOff", "InvalidImageName",
      "ErrImageNeverPull");
  private static final Set<String> START_REASONS = Set.of("CreateContainerConfigError", "CreateContainerError",
      "RunContainerError");
  /** How long the end of the pod's log may take to arrive once its Job has ended. */
  private static final Duration LOG_DRAIN = Duration.ofSeconds(30);
  /** How long the API server may fail to answer before the attempt fails (and its Job is deleted). */
  private static final Duration UNREACHABLE = Duration.ofMinutes(2);

  private final KubernetesTarget target;
  private final StepTask task;
  private final RunnerAttempt attempt;
  private final CompletableFuture<Void> done = new CompletableFuture<>();
  /** Completes once nothing of the attempt is left running: never started, ended, or its Job deleted. */
  private final CompletableFuture<Void> stopped = new CompletableFuture<>();
  private final Object signal = new Object();
  private boolean changed;
  private volatile boolean watchesBroke;

  // guarded by this
  private boolean cancelled;
  private boolean began;
  private String job;
  private boolean cancelledWithJob; // cancel() deletes the Job and then completes stopped
  private LogWatch logWatch;

  // used by the attempt's thread only, and the log thread for the last line
  private String loggedPod;
  private final CompletableFuture<Void> logsEnded = new CompletableFuture<>();
  private volatile String lastLogLine;
  private ContainerStateTerminated lastTerminated;
  private Instant unschedulableSince;
  private Instant unreachableSince;

  JobExecution(KubernetesTarget target, StepTask task, RunnerAttempt attempt) {
    this.target = target;
    this.task = task;
    this.attempt = attempt;
  }

  @Override
  public CompletionStage<Void> completion() {
    return done;
  }

  CompletableFuture<Void> stopped() {
    return stopped;
  }

  @Override
  public void run() {
    String name = null;
    boolean ended = false;
    try {
      synchronized (this) {
        if (cancelled) {
          return;
        }
        began = true;
      }
      StepDescription description = attempt.startRemote();
      Job manifest = KubernetesJobs.job(target.settings(), KubernetesJobs.Attempt.of(task),
          description.mainClass(), description.arguments());
      manifest.getMetadata().setNamespace(target.namespace());
      synchronized (this) {
        if (cancelled) {
          return;
        }
      }
      target.client().batch().v1().jobs().inNamespace(target.namespace()).resource(manifest).create();
      name = manifest.getMetadata().getName();
      synchronized (this) {
        job = name;
        if (cancelled) {
          return; // cancel() saw no Job: the finally block deletes it
        }
      }
      Failure failure = follow(name);
      ended = failure == null || !failure.deleteJob();
      if (done.isDone()) {
        return;
      }
      if (failure != null) {
        if (failure.deleteJob()) {
          target.delete(name);
        }
        done.completeExceptionally(failure.retryable() ? new StepException(failure.message())
            : StepException.nonRetryable(failure.message()));
      } else {
        awaitLogs();
        attempt.complete();
        done.complete(null);
      }
    } catch (Throwable t) {
      if (name != null && !ended && !done.isDone()) {
        target.delete(name); // it must not run on unwatched
      }
      done.completeExceptionally(t);
    } finally {
      closeLogs();
      boolean deleting;
      boolean deleteHere;
      synchronized (this) {
        deleting = cancelledWithJob;
        deleteHere = cancelled && name != null && !cancelledWithJob;
      }
      if (deleteHere) {
        target.delete(name);
      }
      if (!deleting) {
        stopped.complete(null);
      }
    }
  }

  /** Follows the Job until it ends, fails, or the attempt is cancelled; null when it succeeded. */
  private Failure follow(String name) throws InterruptedException {
    Watch jobWatch = null;
    Watch podWatch = null;
    try {
      while (!done.isDone()) {
        Job current;
        Pod pod;
        try {
          if (jobWatch == null && target.watches()) {
            jobWatch = watchJob(name);
          }
          if (podWatch == null && target.watches()) {
            podWatch = watchPods(name);
          }
          current = target.client().batch().v1().jobs().inNamespace(target.namespace()).withName(name).get();
          pod = current == null ? null : target.client().pods().inNamespace(target.namespace())
              .withLabel(KubernetesJobs.JOB_LABEL, name).list().getItems().stream()
              .max(Comparator.comparing((Pod p) -> String.valueOf(p.getMetadata().getCreationTimestamp()))
                  .thenComparing(p -> p.getMetadata().getName()))
              .orElse(null);
          unreachableSince = null;
        } catch (KubernetesClientException e) {
          // The API server may be restarting: the Job runs on meanwhile, so wait, within limits.
          if (unreachableSince == null) {
            unreachableSince = Instant.now();
          } else if (Duration.between(unreachableSince, Instant.now()).compareTo(UNREACHABLE) > 0) {
            throw e;
          }
          awaitChange();
          continue;
        }
        if (current == null) {
          return done.isDone() ? null : new Failure("step '" + task.stepName() + "': its Job " + where(name)
              + " was deleted before it ended", true, false);
        }
        if (pod != null) {
          Failure failure = inspect(pod);
          if (failure != null) {
            return failure;
          }
        }
        if (succeeded(current.getStatus())) {
          return null;
        }
        Failure failure = failed(name, current.getStatus());
        if (failure != null) {
          return failure;
        }
        if (watchesBroke) {
          watchesBroke = false; // watch again, while the resync keeps the attempt going meanwhile
          closeQuietly(jobWatch);
          closeQuietly(podWatch);
          jobWatch = null;
          podWatch = null;
        }
        awaitChange();
      }
      return null;
    } finally {
      closeQuietly(jobWatch);
      closeQuietly(podWatch);
    }
  }

  /** Whether the Job completed: its Complete condition, or a succeeded pod. */
  private static boolean succeeded(JobStatus status) {
    return status != null && (conditions(status).stream()
        .anyMatch(c -> "Complete".equals(c.getType()) && "True".equals(c.getStatus()))
        || status.getSucceeded() != null && status.getSucceeded() > 0);
  }

  /** Why the Job failed: its Failed condition, or a failed pod; null while it runs. */
  private Failure failed(String name, JobStatus status) {
    if (status == null) {
      return null;
    }
    for (JobCondition c : conditions(status)) {
      if ("Failed".equals(c.getType()) && "True".equals(c.getStatus())) {
        return failed(name, c.getReason(), c.getMessage());
      }
    }
    return status.getFailed() != null && status.getFailed() > 0 ? failed(name, null, null) : null;
  }

  private static List<JobCondition> conditions(JobStatus status) {
    return nullSafe(status.getConditions());
  }

  private Failure failed(String name, String reason, String message) {
    String step = "step '" + task.stepName() + "': ";
    if ("DeadlineExceeded".equals(reason)) {
      String deadline = task.timeout().map(t -> KubernetesJobs.seconds(t) + " s").orElse("its deadline");
      return new Failure(step + "its Job " + where(name) + " ran past its deadline of " + deadline
          + " (activeDeadlineSeconds, the step's timeout)", true, false);
    }
    ContainerStateTerminated end = lastTerminated;
    if (end != null && "OOMKilled".equals(end.getReason())) {
      long bytes = task.resources().memoryBytes();
      return new Failure(step + "its container was killed for running out of memory ("
          + (bytes > 0 ? "limit " + KubernetesJobs.memory(bytes) : "the step sets no memory limit") + ")", true, false);
    }
    if (end != null && end.getExitCode() != null && end.getExitCode() != 0) {
      awaitLogs();
      String last = lastLogLine;
      return new Failure(step + "its container exited with status " + end.getExitCode()
          + (last == null ? "" : ": " + last), true, false);
    }
    return new Failure(step + "its Job " + where(name) + " failed" + (reason == null ? "" : " (" + reason + ")")
        + (message == null || message.isBlank() ? "" : ": " + oneLine(message)), true, false);
  }

  /** Starts following the pod's log once its container runs; a failure that waiting will not mend. */
  private Failure inspect(Pod pod) {
    String step = "step '" + task.stepName() + "': ";
    if (pod.getStatus() == null) {
      return null;
    }
    for (PodCondition c : nullSafe(pod.getStatus().getConditions())) {
      if ("PodScheduled".equals(c.getType()) && "False".equals(c.getStatus())
          && "Unschedulable".equals(c.getReason())) {
        if (unschedulableSince == null) {
          unschedulableSince = Instant.now();
        }
        int patience = target.settings().schedulingTimeoutSeconds();
        if (Duration.between(unschedulableSince, Instant.now()).toSeconds() >= patience) {
          String waited = patience > 0 ? " (waited " + patience + " s)" : "";
          return new Failure(step + "its pod cannot be scheduled" + waited + ": "
              + (c.getMessage() == null ? "Unschedulable" : oneLine(c.getMessage())), false, true);
        }
      }
    }
    for (ContainerStatus cs : nullSafe(pod.getStatus().getContainerStatuses())) {
      if (!KubernetesJobs.CONTAINER.equals(cs.getName())) {
        continue;
      }
      ContainerState state = cs.getState();
      if (state == null) {
        continue;
      }
      ContainerStateWaiting waiting = state.getWaiting();
      if (waiting != null && IMAGE_REASONS.contains(waiting.getReason())) {
        return new Failure(step + "cannot pull image '" + target.settings().image() + "' (" + waiting.getReason()
            + ")" + (waiting.getMessage() == null ? "" : ": " + oneLine(waiting.getMessage())), false, true);
      }
      if (waiting != null && START_REASONS.contains(waiting.getReason())) {
        return new Failure(step + "its container cannot start (" + waiting.getReason() + ")"
            + (waiting.getMessage() == null ? "" : ": " + oneLine(waiting.getMessage())), false, true);
      }
      if (state.getRunning() != null || state.getTerminated() != null) {
        followLogs(pod.getMetadata().getName());
      }
      if (state.getTerminated() != null) {
        lastTerminated = state.getTerminated();
      }
    }
    return null;
  }

  /** Streams the pod's log into the attempt's events, once per pod, on a thread of its own. */
  private void followLogs(String pod) {
    if (pod.equals(loggedPod)) {
      return;
    }
    loggedPod = pod;
    LogWatch watch;
    try {
      watch = target.client().pods().inNamespace(target.namespace()).withName(pod)
          .inContainer(KubernetesJobs.CONTAINER).watchLog();
    } catch (RuntimeException e) {
      logsEnded.complete(null); // no log: the outcome still comes from the Job
      return;
    }
    synchronized (this) {
      logWatch = watch;
    }
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(watch.getOutput(),
          StandardCharsets.UTF_8))) {
        for (String line; (line = in.readLine()) != null; ) {
          if (!line.isBlank()) {
            lastLogLine = line.strip();
          }
          attempt.event(line);
        }
      } catch (IOException | RuntimeException e) {
        // the stream broke or was closed: what came is recorded
      } finally {
        logsEnded.complete(null);
      }
    }, Thread.currentThread().getName() + "-log");
    reader.setDaemon(true);
    reader.start();
  }

  private void awaitLogs() {
    if (loggedPod == null) {
      return;
    }
    try {
      logsEnded.get(LOG_DRAIN.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      // the log did not end in time; the outcome does not depend on it
    }
  }

  private void closeLogs() {
    LogWatch watch;
    synchronized (this) {
      watch = logWatch;
      logWatch = null;
    }
    if (watch != null) {
      watch.close();
    }
  }

  private Watch watchJob(String name) {
    return target.client().batch().v1().jobs().inNamespace(target.namespace()).withName(name).watch(wakeUp());
  }

  private Watch watchPods(String name) {
    return target.client().pods().inNamespace(target.namespace()).withLabel(KubernetesJobs.JOB_LABEL, name)
        .watch(wakeUp());
  }

  private <T> Watcher<T> wakeUp() {
    return new Watcher<>() {
      @Override
      public void eventReceived(Action action, T resource) {
        wake();
      }

      @Override
      public void onClose(WatcherException cause) {
        watchesBroke = true; // the client gave up reconnecting: the next round watches again
        wake();
      }
    };
  }

  private void wake() {
    synchronized (signal) {
      changed = true;
      signal.notifyAll();
    }
  }

  private void awaitChange() throws InterruptedException {
    long until = System.nanoTime() + target.resync().toNanos();
    synchronized (signal) {
      while (!changed && !done.isDone()) {
        long left = until - System.nanoTime();
        if (left <= 0) {
          break;
        }
        TimeUnit.NANOSECONDS.timedWait(signal, left);
      }
      changed = false;
    }
  }

  @Override
  public void cancel() {
    String created;
    synchronized (this) {
      if (cancelled || done.isDone()) {
        return; // a finished attempt stays as it ended, its Job too
      }
      cancelled = true;
      created = job;
      cancelledWithJob = created != null;
      if (!began) {
        stopped.complete(null);
      }
    }
    done.completeExceptionally(new CancellationException("cancelled"));
    wake();
    closeLogs();
    if (created == null) {
      return; // the attempt's thread deletes a Job it creates from now on
    }
    // Not on the attempt's thread, which may be stuck in a request.
    Thread deleter = new Thread(() -> {
      target.delete(created);
      stopped.complete(null);
    }, "pipewright-kubernetes-delete");
    deleter.setDaemon(true);
    deleter.start();
  }

  private String where(String name) {
    return target.namespace() + "/" + name;
  }

  private static void closeQuietly(Watch watch) {
    if (watch != null) {
      try {
        watch.close();
      } catch (RuntimeException e) {
        // closing a broken watch
      }
    }
  }

  private static <T> List<T> nullSafe(List<T> list) {
    return list == null ? List.of() : list;
  }

  private static String oneLine(String text) {
    return text.strip().replaceAll("\\s*\\R\\s*", " ");
  }

  /** Why an attempt failed, whether a retry could mend it, and whether its Job must be deleted (it still runs). */
  private record Failure(String message, boolean retryable, boolean deleteJob) {}
}
