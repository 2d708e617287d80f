package io.pipewright.examples;

import io.pipewright.Dataset;
import io.pipewright.Metrics;
import io.pipewright.Model;
import io.pipewright.ModelOptions;
import io.pipewright.StepBody;
import io.pipewright.StepContext;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code deploy} step of {@link Digits}: releases the {@code model} (the pipeline runs it only when the accuracy in
 * the evaluate step's {@code metrics} reaches {@code minAccuracy}). Releasing means registering it in the workspace's
 * model registry as model {@code digits} (framework {@code tribuo}, with its accuracy and macro F1; a model registered
 * before keeps its version), and recording what was released in the {@code release} output: the model's manifest hash
 * (which names its exact files), how it was trained, its accuracy, the registered name and the run. Nothing serves the
 * model yet.
 */
final class ReleaseModel implements StepBody {
  /** What of the model's metadata the release record repeats: enough to tell releases apart at a glance. */
  private static final List<String> RECORDED = List.of("framework", "frameworkVersion", "algorithm", "epochs",
      "learningRate", "minibatchSize", "trainSeed");

  /** The name the model is registered under. */
  static final String REGISTERED_AS = "digits";

  @Override
  public void run(StepContext ctx) {
    Model model = ctx.model("model");
    Metrics metrics = ctx.metrics("metrics");
    double accuracy = metrics.get("accuracy");
    ctx.registerModel(REGISTERED_AS, "model", ModelOptions.defaults().framework("tribuo")
        .description("handwritten digits, logistic regression")
        .metric("accuracy", accuracy).metric("f1_macro", metrics.get("f1_macro")));
    String manifest = new Dataset(model.dir(), model.files()).manifestHash();

    Map<String, Object> release = new LinkedHashMap<>();
    release.put("model", manifest);
    for (String key : RECORDED) {
      if (model.metadata().containsKey(key)) {
        release.put(key, model.metadata().get(key));
      }
    }
    release.put("accuracy", accuracy);
    release.put("registeredAs", REGISTERED_AS);
    release.put("run", ctx.runId());
    ctx.write("release", release);
    ctx.log().info("released model {} (accuracy {}); it is registered as '{}', not served", manifest,
        String.format(Locale.ROOT, "%.4f", accuracy), REGISTERED_AS);
  }
}
