package io.pipewright.compute.kubernetes;

import static io.pipewright.compute.kubernetes.TestCluster.NAMESPACE;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A cluster on the CRUD mock that really runs Jobs: for each Job created it starts the container's command as a
 * local JVM, with this JVM's classpath in place of the image's and the container's environment (its {@code env}, and
 * the keys of the Secrets its {@code envFrom} names), and sets the pod's and the Job's statuses from the
 * process's exit; a deleted Job's process is killed, as the cluster kills a deleted Job's pod. It finds Jobs by
 * listing them every 50 ms.
 */
final class ProcessCluster implements AutoCloseable {
  private final KubernetesMockServer server;
  private final KubernetesClient client;
  private final TestCluster cluster;
  private final Thread poller;
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "process-cluster");
    t.setDaemon(true);
    return t;
  });
  private final Map<String, Process> processes = new ConcurrentHashMap<>();
  private final Set<String> deleted = ConcurrentHashMap.newKeySet();
  /** The commands the containers were given, in the order the Jobs came. */
  final List<List<String>> commands = new ArrayList<>();

  ProcessCluster(KubernetesMockServer server, KubernetesClient client) {
    this.server = server;
    this.client = client;
    this.cluster = new TestCluster(client);
    // Polls rather than watches: the mock's watch endpoint can stall when a watch closes while it sends an event.
    this.poller = new Thread(this::poll, "process-cluster-poller");
    poller.setDaemon(true);
    poller.start();
  }

  private void poll() {
    Set<String> known = new java.util.HashSet<>();
    while (!Thread.currentThread().isInterrupted()) {
      try {
        Map<String, Job> jobs = new java.util.HashMap<>();
        client.batch().v1().jobs().inNamespace(NAMESPACE).list().getItems()
            .forEach(j -> jobs.put(j.getMetadata().getName(), j));
        for (Job job : jobs.values()) {
          if (known.add(job.getMetadata().getName())) {
            threads.execute(() -> run(job));
          }
        }
        for (String name : known) {
          if (!jobs.containsKey(name) && deleted.add(name)) {
            Process p = processes.remove(name);
            if (p != null) {
              kill(p);
            }
          }
        }
        Thread.sleep(50);
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        // the server is going away with the test
      }
    }
  }

  private void run(Job job) {
    String name = job.getMetadata().getName();
    List<String> given = job.getSpec().getTemplate().getSpec().getContainers().get(0).getCommand();
    synchronized (commands) {
      commands.add(given);
    }
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.addAll(given.subList(given.indexOf("-cp") + 2, given.size()));
    try {
      Pod pod = cluster.createPod(job);
      Path log = Files.createTempFile("process-cluster-", ".log");
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
      Container container = job.getSpec().getTemplate().getSpec().getContainers().get(0);
      for (EnvFromSource from : container.getEnvFrom()) { // as the kubelet does: every key of the Secret
        Secret secret = client.secrets().inNamespace(NAMESPACE).withName(from.getSecretRef().getName()).get();
        secret.getData().forEach((k, v) -> builder.environment().put(k,
            new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
      }
      container.getEnv().forEach(e -> builder.environment().put(e.getName(), e.getValue()));
      Process process = builder.start();
      processes.put(name, process);
      if (deleted.contains(name)) {
        kill(process);
        return;
      }
      int exit = process.waitFor();
      if (deleted.contains(name)) {
        return;
      }
      // The log is served once the container has ended (the mock cannot stream), so its state goes from pending to
      // terminated: the target follows the log of a terminated container, as it would on a cluster.
      TestCluster.serveLog(server, job, Files.readString(log));
      Files.delete(log);
      cluster.containerState(pod, TestCluster.terminated(exit, exit == 0 ? "Completed" : "Error"));
      cluster.finish(job, exit == 0, exit == 0 ? null : "BackoffLimitExceeded",
          exit == 0 ? null : "Job has reached the specified backoff limit");
    } catch (Exception e) {
      // the Job was deleted meanwhile, or the test ended
    }
  }

  private static void kill(Process process) {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
  }

  @Override
  public void close() {
    poller.interrupt();
    processes.values().forEach(ProcessCluster::kill);
    threads.shutdownNow();
  }
}
