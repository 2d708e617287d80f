package io.pipewright.compute.kubernetes;

import io.fabric8.kubernetes.api.model.KubernetesListBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.pipewright.Parameter;
import io.pipewright.Pipeline;
import io.pipewright.Step;
import io.pipewright.UserException;
import io.pipewright.WorkspaceConfig;
import io.pipewright.spi.ComputeTargetSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The Jobs a pipeline would submit to its {@code kubernetes} targets, as multi-document YAML for review or GitOps
 * ({@code pipewright k8s render}). One Job per step bound (by its target name, in the workspace config) to a target of
 * type {@code kubernetes}, for its first attempt, in the pipeline's order. What only a run knows is a placeholder: the
 * run id is {@value #RUN_ID} and the fingerprint {@value #FINGERPRINT}; the step runner's arguments name the key of
 * the attempt's description in the workspace's datastore, where the engine uploads it when the step starts. The output
 * depends only on the pipeline, the config and the parameters. It checks the parameters and the targets' settings;
 * the pipeline itself is validated when it runs, against the workspace (its input files, its targets' capacity).
 */
public final class KubernetesManifests {
  /** The run id of rendered Jobs. */
  public static final String RUN_ID = "RUN_ID";
  /** The fingerprint of rendered Jobs. */
  public static final String FINGERPRINT = "FINGERPRINT";
  /** The step runner's entry point. */
  public static final String STEP_RUNNER = "io.pipewright.internal.engine.StepRunner";

  private KubernetesManifests() {}

  /** {@link #render(Pipeline, WorkspaceConfig, Map, Optional)} with the config's datastore. */
  public static String render(Pipeline pipeline, WorkspaceConfig config, Map<String, String> params) {
    return render(pipeline, config, params, Optional.empty());
  }

  /**
   * The Jobs as multi-document YAML, each preceded by a comment naming its step and target and where its step runner
   * finds its description.
   *
   * @param params parameter values as text, by name, parsed by the parameters' types
   * @param datastore the workspace's datastore, when it is not (only) the config's
   * @throws UserException for an unknown, missing or malformed parameter, bad target settings, or no step on a
   *     kubernetes target
   */
  public static String render(Pipeline pipeline, WorkspaceConfig config, Map<String, String> params,
      Optional<String> datastore) {
    StringBuilder out = new StringBuilder("# Jobs that pipeline '" + pipeline.name() + "' submits to its kubernetes"
        + " targets (config " + config.source() + "); " + RUN_ID + " and " + FINGERPRINT + " are filled in by each"
        + " run.\n");
    for (Rendered r : rendered(pipeline, config, params, datastore)) {
      String doc = KubernetesJobs.yaml(List.of(r.job())); // begins with "---"
      out.append("---\n# step '").append(r.step()).append("' on target '").append(r.target())
          .append("'; the step runner reads its description from ").append(r.description()).append('\n')
          .append(doc, doc.indexOf('\n') + 1, doc.length());
    }
    return out.toString();
  }

  /** The Jobs, as {@link #render} describes them, in the pipeline's order. */
  public static List<Job> jobs(Pipeline pipeline, WorkspaceConfig config, Map<String, String> params,
      Optional<String> datastore) {
    return rendered(pipeline, config, params, datastore).stream().map(Rendered::job).toList();
  }

  /** Jobs as one line of JSON: a {@code v1 List}, which {@code kubectl apply -f} takes as well. */
  public static String json(List<Job> jobs) {
    return new KubernetesSerialization().asJson(new KubernetesListBuilder().withItems(List.copyOf(jobs)).build());
  }

  private record Rendered(String step, String target, String description, Job job) {}

  private static List<Rendered> rendered(Pipeline pipeline, WorkspaceConfig config, Map<String, String> params,
      Optional<String> datastoreGiven) {
    Map<String, Object> values = values(pipeline, params);
    String datastore = datastoreGiven.or(config::datastore).orElse("DATASTORE");
    List<Rendered> out = new ArrayList<>();
    for (Step step : pipeline.steps()) {
      ComputeTargetSettings target = config.targets().get(step.target());
      if (target == null || !target.type().toLowerCase(Locale.ROOT).equals("kubernetes")) {
        continue;
      }
      KubernetesSettings settings = KubernetesSettings.from(target);
      KubernetesJobs.Attempt attempt = new KubernetesJobs.Attempt(pipeline.name(), RUN_ID, step.name(), 1,
          FINGERPRINT, step.resources(), step.timeout());
      String key = "runs/" + RUN_ID + "/" + step.name() + "/1/attempt.json";
      Job job = KubernetesJobs.job(settings, attempt, STEP_RUNNER, List.of("--datastore", datastore, key));
      String used = step.parameters().stream().sorted().map(p -> p + "=" + values.get(p))
          .collect(Collectors.joining(", "));
      if (!used.isEmpty()) {
        job.getMetadata().getAnnotations().put(KubernetesJobs.PREFIX + "parameters", used);
      }
      out.add(new Rendered(step.name(), target.name(), datastore + " " + key, job));
    }
    if (out.isEmpty()) {
      List<String> targets = new ArrayList<>();
      config.targets().forEach((name, s) -> targets.add(name + " (" + s.type() + ")"));
      throw new UserException("pipeline '" + pipeline.name() + "': no step runs on a kubernetes target (steps use "
          + pipeline.steps().stream().map(Step::target).distinct().sorted().collect(Collectors.joining(", "))
          + "; config " + config.source() + " defines " + (targets.isEmpty() ? "none" : String.join(", ", targets))
          + ") -- bind a target name to {\"type\": \"kubernetes\", ...} in the config");
    }
    return out;
  }

  private static Map<String, Object> values(Pipeline pipeline, Map<String, String> params) {
    Map<String, Parameter> declared = pipeline.parameters();
    for (String name : params.keySet()) {
      if (!declared.containsKey(name)) {
        throw new UserException("pipeline '" + pipeline.name() + "' has no parameter '" + name + "' (parameters: "
            + (declared.isEmpty() ? "none" : String.join(", ", new TreeMap<>(declared).keySet())) + ")");
      }
    }
    Map<String, Object> values = new TreeMap<>();
    for (Parameter p : declared.values()) {
      String given = params.get(p.name());
      if (given == null && p.required()) {
        throw new UserException("parameter '" + p.name() + "' of pipeline '" + pipeline.name() + "' has no default"
            + " -- give it with --param " + p.name() + "=VALUE");
      }
      try {
        values.put(p.name(), given != null ? p.type().coerce(given) : p.defaultValue());
      } catch (IllegalArgumentException e) {
        throw new UserException("parameter '" + p.name() + "': " + e.getMessage());
      }
    }
    return values;
  }
}
