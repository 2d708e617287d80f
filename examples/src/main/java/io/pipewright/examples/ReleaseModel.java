package io.pipewright.examples;

import io.pipewright.Dataset;
import io.pipewright.Model;
import io.pipewright.StepBody;
import io.pipewright.StepContext;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code deploy} step of {@link Digits}: releases the {@code model} (the pipeline runs it only when the accuracy in
 * the evaluate step's {@code metrics} reaches {@code minAccuracy}). Releasing, for now, means
 * recording what was released in the {@code release} output: the model's manifest hash (which names its exact files),
 * how it was trained, its accuracy and the run. Nothing serves the model; a model registry will take this record over.
 */
final class ReleaseModel implements StepBody {
  /** What of the model's metadata the release record repeats: enough to tell releases apart at a glance. */
  private static final List<String> RECORDED = List.of("framework", "frameworkVersion", "algorithm", "epochs",
      "learningRate", "minibatchSize", "trainSeed");

  @Override
  public void run(StepContext ctx) {
    Model model = ctx.model("model");
    double accuracy = ctx.metrics("metrics").get("accuracy");
    String manifest = new Dataset(model.dir(), model.files()).manifestHash();

    Map<String, Object> release = new LinkedHashMap<>();
    release.put("model", manifest);
    for (String key : RECORDED) {
      if (model.metadata().containsKey(key)) {
        release.put(key, model.metadata().get(key));
      }
    }
    release.put("accuracy", accuracy);
    release.put("run", ctx.runId());
    ctx.write("release", release);
    ctx.log().info("released model {} (accuracy {}); it is recorded, not served", manifest,
        String.format(Locale.ROOT, "%.4f", accuracy));
  }
}
