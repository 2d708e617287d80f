package io.pipewright.compute.kubernetes;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvFromSourceBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.pipewright.Resources;
import io.pipewright.spi.StepTask;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The batch/v1 Job that runs one attempt of one step: what the {@code kubernetes} target submits and what
 * {@code pipewright k8s render} prints. Pure functions of their arguments, so rendered manifests are deterministic.
 *
 * <p>The Job runs a single pod ({@code restartPolicy: Never}, {@code backoffLimit: 0}: the engine owns retries, and
 * each engine attempt is a Job of its own) whose one container, {@value #CONTAINER}, runs
 * {@code java [javaOptions] -XX:+ExitOnOutOfMemoryError -cp CLASSPATH MAIN ARGUMENTS...} in the target's image. The
 * step's resources become the container's requests and limits ({@code cpu}, {@code memory}, and
 * {@code nvidia.com/gpu} for GPUs); its timeout becomes {@code activeDeadlineSeconds}. Labels ({@value #PREFIX}
 * {@code pipeline}, {@code run}, {@code step}, {@code attempt}, {@code fingerprint}, {@code target}, {@code job}) are
 * on the Job and its pod template, sanitised and cut to 63 characters; the full run id and fingerprint are also
 * annotations.
 */
public final class KubernetesJobs {
  /** The prefix of the labels and annotations Pipewright sets. */
  public static final String PREFIX = "pipewright.io/";
  /** The label on the pod template that names its Job, so the target finds the Job's pod. */
  public static final String JOB_LABEL = PREFIX + "job";
  /** The name of the step's container. */
  public static final String CONTAINER = "step";
  /** The Kubernetes resource that {@code gpus} become. */
  public static final String GPU_RESOURCE = "nvidia.com/gpu";

  private static final int MAX_NAME = 63;

  private KubernetesJobs() {}

  /**
   * One attempt as a Job sees it.
   *
   * @param pipeline the pipeline's name
   * @param runId the run's id
   * @param step the step's name
   * @param attempt 1 for the first attempt
   * @param fingerprint the step's fingerprint ({@code sha256:...})
   * @param resources what the step asked for
   * @param timeout the step's timeout, if any
   */
  public record Attempt(String pipeline, String runId, String step, int attempt, String fingerprint,
      Resources resources, Optional<Duration> timeout) {
    public Attempt {
      Objects.requireNonNull(pipeline, "pipeline");
      Objects.requireNonNull(runId, "runId");
      Objects.requireNonNull(step, "step");
      Objects.requireNonNull(fingerprint, "fingerprint");
      Objects.requireNonNull(resources, "resources");
      Objects.requireNonNull(timeout, "timeout");
    }

    /** The attempt the engine hands a target. */
    public static Attempt of(StepTask task) {
      return new Attempt(task.pipeline(), task.runId(), task.stepName(), task.attempt(), task.fingerprint(),
          task.resources(), task.timeout());
    }
  }

  /**
   * The Job's name: the pipeline's and step's names made a DNS-1123 label, then a hash of the run id and step name
   * (so that names that sanitise alike still differ), then the attempt; at most 63 characters.
   */
  public static String name(Attempt a) {
    String suffix = "-" + hash(a.runId() + "\n" + a.pipeline() + "\n" + a.step()).substring(0, 8) + "-"
        + a.attempt();
    String base = dnsLabel(a.pipeline() + "-" + a.step(), MAX_NAME - suffix.length());
    return (base.isEmpty() ? "pipewright" : base) + suffix;
  }

  /** The Job for an attempt whose step runner is started with {@code mainClass} and {@code arguments}. */
  public static Job job(KubernetesSettings s, Attempt a, String mainClass, List<String> arguments) {
    String name = name(a);
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("app.kubernetes.io/managed-by", "pipewright");
    labels.put(PREFIX + "pipeline", labelValue(a.pipeline()));
    labels.put(PREFIX + "run", labelValue(a.runId()));
    labels.put(PREFIX + "step", labelValue(a.step()));
    labels.put(PREFIX + "attempt", Integer.toString(a.attempt()));
    labels.put(PREFIX + "fingerprint", labelValue(a.fingerprint().replace(':', '-')));
    labels.put(PREFIX + "target", labelValue(s.name()));
    labels.put(JOB_LABEL, name);
    Map<String, String> annotations = new LinkedHashMap<>();
    annotations.put(PREFIX + "run-id", a.runId());
    annotations.put(PREFIX + "fingerprint", a.fingerprint());

    List<String> command = new ArrayList<>();
    command.add("java");
    command.addAll(s.javaOptions());
    command.add("-XX:+ExitOnOutOfMemoryError");
    command.add("-cp");
    command.add(s.classpath());
    command.add(mainClass);
    command.addAll(arguments);

    Map<String, Quantity> requests = new TreeMap<>();
    Map<String, Quantity> limits = new TreeMap<>();
    Resources r = a.resources();
    requests.put("cpu", new Quantity(Integer.toString(r.cpus())));
    limits.put("cpu", new Quantity(Integer.toString(r.cpus())));
    if (r.memoryBytes() > 0) {
      requests.put("memory", new Quantity(memory(r.memoryBytes())));
      limits.put("memory", new Quantity(memory(r.memoryBytes())));
    }
    if (r.gpus() > 0) {
      limits.put(GPU_RESOURCE, new Quantity(Integer.toString(r.gpus())));
    }

    ContainerBuilder container = new ContainerBuilder().withName(CONTAINER).withImage(s.image())
        .withCommand(command)
        .withEnv(s.env().entrySet().stream().map(e -> new EnvVar(e.getKey(), e.getValue(), null)).toList())
        .withNewResources().withRequests(requests).withLimits(limits).endResources();
    s.datastoreSecret().ifPresent(secret -> container.withEnvFrom(new EnvFromSourceBuilder().withNewSecretRef()
        .withName(secret).endSecretRef().build()));

    return new JobBuilder()
        .withNewMetadata().withName(name).withNamespace(s.namespace().orElse(null)).withLabels(labels)
        .withAnnotations(annotations).endMetadata()
        .withNewSpec()
        .withBackoffLimit(0)
        .withActiveDeadlineSeconds(a.timeout().map(KubernetesJobs::seconds).orElse(null))
        .withTtlSecondsAfterFinished(s.ttlSecondsAfterFinished())
        .withNewTemplate()
        .withNewMetadata().withLabels(labels).withAnnotations(annotations).endMetadata()
        .withNewSpec()
        .withRestartPolicy("Never")
        .withServiceAccountName(s.serviceAccount().orElse(null))
        .withImagePullSecrets(s.imagePullSecrets().stream().map(LocalObjectReference::new).toList())
        .withNodeSelector(s.nodeSelector().isEmpty() ? null : s.nodeSelector())
        .withTolerations(s.tolerations().stream().map(KubernetesJobs::toleration).toList())
        .withContainers(container.build())
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  /** Jobs as a multi-document YAML text, in the order given. */
  public static String yaml(List<Job> jobs) {
    KubernetesSerialization serialization = new KubernetesSerialization();
    StringBuilder out = new StringBuilder();
    for (Job job : jobs) {
      String doc = serialization.asYaml(job);
      out.append(doc.startsWith("---") ? "" : "---\n").append(doc);
      if (!doc.endsWith("\n")) {
        out.append('\n');
      }
    }
    return out.toString();
  }

  /** The deadline of a timeout, in whole seconds, rounded up. */
  static long seconds(Duration timeout) {
    long s = timeout.toSeconds();
    return Math.max(1, timeout.toNanosPart() > 0 ? s + 1 : s);
  }

  /** A byte count as a Kubernetes quantity: {@code 2Gi}, {@code 512Mi}, or bytes. */
  static String memory(long bytes) {
    String[] units = {"Ti", "Gi", "Mi", "Ki"};
    int[] shifts = {40, 30, 20, 10};
    for (int i = 0; i < units.length; i++) {
      if (bytes >= 1L << shifts[i] && bytes % (1L << shifts[i]) == 0) {
        return (bytes >> shifts[i]) + units[i];
      }
    }
    return Long.toString(bytes);
  }

  /** A label value: at most 63 characters of letters, digits, '-', '_' and '.', beginning and ending alphanumeric. */
  static String labelValue(String text) {
    String v = text.replaceAll("[^A-Za-z0-9._-]", "-");
    if (v.length() > MAX_NAME) {
      v = v.substring(0, MAX_NAME);
    }
    v = v.replaceAll("^[^A-Za-z0-9]+", "").replaceAll("[^A-Za-z0-9]+$", "");
    return v;
  }

  /** Lower-case letters, digits and '-', beginning and ending alphanumeric, at most {@code max} characters. */
  private static String dnsLabel(String text, int max) {
    String v = text.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]+", "-").replaceAll("-{2,}", "-");
    if (v.length() > max) {
      v = v.substring(0, max);
    }
    return v.replaceAll("^-+", "").replaceAll("-+$", "");
  }

  private static Toleration toleration(Map<String, String> t) {
    String seconds = t.get("tolerationSeconds");
    return new Toleration(t.get("effect"), t.get("key"), t.get("operator"),
        seconds == null ? null : Long.valueOf(seconds), t.get("value"));
  }

  private static String hash(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
