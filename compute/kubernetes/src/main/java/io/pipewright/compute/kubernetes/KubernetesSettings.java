package io.pipewright.compute.kubernetes;

import io.pipewright.UserException;
import io.pipewright.spi.Capacity;
import io.pipewright.spi.ComputeTargetSettings;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The settings of one {@code kubernetes} target, read from its entry in the workspace config by {@link
 * #from(ComputeTargetSettings)}, which refuses unknown or malformed settings with one line naming the setting.
 *
 * <pre>{@code
 * "targets": {"gpu": {"type": "kubernetes", "image": "acme/digits:1.4", "namespace": "ml",
 *                     "datastoreSecret": "pipewright-datastore", "nodeSelector": {"gpu": "h100"},
 *                     "gpus": 8, "maxConcurrentSteps": 4}}
 * }</pre>
 *
 * @param name the target's logical name
 * @param image the container image: JDK 17 and the application's jars at {@code classpath}; required
 * @param namespace the Jobs' namespace; empty: the client configuration's (the kubeconfig context's, or the pod's
 *     own in a cluster); a rendered manifest then has none
 * @param serviceAccount the pods' service account; empty: the namespace's default
 * @param imagePullSecrets names of Secrets to pull the image with
 * @param nodeSelector the pods' node selector, sorted by key
 * @param tolerations the pods' tolerations, each a map of {@code key}, {@code operator}, {@code value},
 *     {@code effect} and {@code tolerationSeconds}
 * @param datastoreSecret a Secret whose keys become the container's environment ({@code envFrom}): the datastore's
 *     credentials, never written anywhere else; empty: none
 * @param env plain, non-secret environment variables, sorted by name
 * @param javaOptions options for the step runner's JVM, before {@code -cp}
 * @param classpath the classpath inside the image
 * @param ttlSecondsAfterFinished how long the cluster keeps a finished Job before its TTL controller deletes it
 * @param schedulingTimeoutSeconds how long a pod may stay unschedulable before the attempt fails (0: at once)
 * @param capacity what the engine may run on the cluster at once through this target
 * @param context the kubeconfig context; empty: the current one
 * @param kubeconfig the kubeconfig file; empty: the client's default ({@code KUBECONFIG}, {@code ~/.kube/config}, or
 *     the pod's service account in a cluster)
 */
public record KubernetesSettings(String name, String image, Optional<String> namespace,
    Optional<String> serviceAccount, List<String> imagePullSecrets, Map<String, String> nodeSelector,
    List<Map<String, String>> tolerations, Optional<String> datastoreSecret, Map<String, String> env,
    List<String> javaOptions, String classpath, int ttlSecondsAfterFinished, int schedulingTimeoutSeconds,
    Capacity capacity, Optional<String> context, Optional<String> kubeconfig) {

  /** The default {@code classpath}: every jar in {@code /app/lib}. */
  public static final String DEFAULT_CLASSPATH = "/app/lib/*";
  /** The default {@code javaOptions}: a heap of three quarters of the container's memory limit. */
  public static final List<String> DEFAULT_JAVA_OPTIONS = List.of("-XX:MaxRAMPercentage=75");
  /** The default {@code ttlSecondsAfterFinished}: a day. */
  public static final int DEFAULT_TTL_SECONDS = 86_400;

  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  private static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9.]*[a-z0-9])?");
  private static final Pattern ENV_NAME = Pattern.compile("[-._a-zA-Z][-._a-zA-Z0-9]*");
  private static final Set<String> TOLERATION_KEYS = Set.of("key", "operator", "value", "effect",
      "tolerationSeconds");

  /** Copies the collections; checks nothing (see {@link #from}). */
  public KubernetesSettings {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(image, "image");
    imagePullSecrets = List.copyOf(imagePullSecrets);
    nodeSelector = Collections.unmodifiableMap(new TreeMap<>(nodeSelector));
    tolerations = tolerations.stream().map(t -> Collections.unmodifiableMap(new LinkedHashMap<>(t))).toList();
    env = Collections.unmodifiableMap(new TreeMap<>(env));
    javaOptions = List.copyOf(javaOptions);
    Objects.requireNonNull(classpath, "classpath");
    Objects.requireNonNull(capacity, "capacity");
  }

  /**
   * Reads and checks a target's settings.
   *
   * @throws UserException naming the setting, for an unknown setting, a missing image, or a malformed value
   */
  public static KubernetesSettings from(ComputeTargetSettings s) {
    s.only("image", "namespace", "serviceAccount", "imagePullSecrets", "nodeSelector", "tolerations",
        "datastoreSecret", "env", "javaOptions", "classpath", "ttlSecondsAfterFinished", "schedulingTimeoutSeconds",
        "cpus", "memory", "gpus", "maxConcurrentSteps", "context", "kubeconfig");
    String image = s.optionalString("image").map(String::strip).filter(i -> !i.isEmpty())
        .orElseThrow(() -> new UserException(s.path("image") + ": required -- the container image that runs the"
            + " steps, with JDK 17 and the application's jars, e.g. \"acme/digits:1.4\""));
    if (image.chars().anyMatch(Character::isWhitespace)) {
      throw s.wrongType("image", "an image reference without spaces", image);
    }
    Optional<String> namespace = name(s, "namespace", DNS_LABEL);
    Optional<String> serviceAccount = name(s, "serviceAccount", DNS_SUBDOMAIN);
    List<String> pullSecrets = s.strings("imagePullSecrets");
    pullSecrets.forEach(p -> checkName(s, "imagePullSecrets", p, DNS_SUBDOMAIN));
    Map<String, String> env = s.stringMap("env");
    env.keySet().forEach(k -> {
      if (!ENV_NAME.matcher(k).matches()) {
        throw new UserException(s.path("env") + ": '" + k + "' is not a valid environment variable name");
      }
      if (ComputeTargetSettings.secret(k) || k.equals("PIPEWRIGHT_DATASTORE_SETTINGS")) {
        throw new UserException(s.path("env") + "." + k + ": looks like a credential -- put it in the Secret that"
            + " datastoreSecret names, never inline");
      }
    });
    String classpath = s.string("classpath", DEFAULT_CLASSPATH).strip();
    if (classpath.isEmpty()) {
      throw s.wrongType("classpath", "a classpath inside the image, such as \"/app/lib/*\"", "");
    }
    Capacity capacity = new Capacity(s.integer("cpus", 64, 1), s.size("memory", 256L << 30),
        s.integer("gpus", 0, 0), s.integer("maxConcurrentSteps", 16, 1));
    return new KubernetesSettings(s.name(), image, namespace, serviceAccount, pullSecrets, s.stringMap(
        "nodeSelector"), tolerations(s), name(s, "datastoreSecret", DNS_SUBDOMAIN), env,
        s.has("javaOptions") ? s.strings("javaOptions") : DEFAULT_JAVA_OPTIONS, classpath,
        s.integer("ttlSecondsAfterFinished", DEFAULT_TTL_SECONDS, 0), s.integer("schedulingTimeoutSeconds", 0, 0),
        capacity, s.optionalString("context").filter(c -> !c.isBlank()),
        s.optionalString("kubeconfig").filter(c -> !c.isBlank()));
  }

  /** This target's environment for the fingerprint: its image. */
  String environment() {
    return "image:" + image;
  }

  private static Optional<String> name(ComputeTargetSettings s, String key, Pattern pattern) {
    Optional<String> value = s.optionalString(key).map(String::strip);
    value.ifPresent(v -> checkName(s, key, v, pattern));
    return value;
  }

  private static void checkName(ComputeTargetSettings s, String key, String value, Pattern pattern) {
    if (value.length() > 253 || !pattern.matcher(value).matches() || pattern == DNS_LABEL && value.length() > 63) {
      throw s.wrongType(key, "a Kubernetes name (lower-case letters, digits and '-')", value);
    }
  }

  private static List<Map<String, String>> tolerations(ComputeTargetSettings s) {
    Object value = s.values().get("tolerations");
    if (value == null) {
      return List.of();
    }
    String expected = "a list of objects with key, operator, value, effect, tolerationSeconds";
    if (!(value instanceof List<?> list)) {
      throw s.wrongType("tolerations", expected, value);
    }
    List<Map<String, String>> out = new ArrayList<>();
    for (Object item : list) {
      if (!(item instanceof Map<?, ?> map)) {
        throw s.wrongType("tolerations", expected, value);
      }
      Map<String, String> toleration = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : map.entrySet()) {
        String k = String.valueOf(e.getKey());
        if (!TOLERATION_KEYS.contains(k)) {
          throw new UserException(s.path("tolerations") + "[" + out.size() + "]." + k + ": unknown (known: effect,"
              + " key, operator, tolerationSeconds, value)");
        }
        boolean seconds = k.equals("tolerationSeconds");
        if (seconds ? !(e.getValue() instanceof Number n && n.longValue() == n.doubleValue())
            : !(e.getValue() instanceof String)) {
          throw new UserException(s.path("tolerations") + "[" + out.size() + "]." + k + ": expected "
              + (seconds ? "a whole number" : "a string"));
        }
        toleration.put(k, seconds ? Long.toString(((Number) e.getValue()).longValue()) : (String) e.getValue());
      }
      out.add(toleration);
    }
    return out;
  }
}
