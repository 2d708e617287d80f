package io.pipewright.examples;

import io.pipewright.Dataset;
import io.pipewright.Model;
import io.pipewright.StepBody;
import io.pipewright.StepContext;
import io.pipewright.StepException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code deploy} step of {@link Digits}: releases the {@code model} if its accuracy reaches the pipeline's
 * {@code minAccuracy}, and fails the step otherwise. Releasing, for now, means recording what was released in the
 * {@code release} output: the model's manifest hash (which names its exact files), its accuracy and the run. Nothing
 * serves the model; a model registry will take this record over.
 */
final class ReleaseModel implements StepBody {
  @Override
  public void run(StepContext ctx) {
    Model model = ctx.model("model");
    double accuracy = ctx.metrics("metrics").get("accuracy");
    double minAccuracy = ctx.doubleParam("minAccuracy");
    if (accuracy < minAccuracy) {
      throw StepException.nonRetryable("accuracy " + accuracy + " is below minAccuracy " + minAccuracy
          + ": the model is not released");
    }
    String manifest = new Dataset(model.dir(), model.files()).manifestHash();

    Map<String, Object> release = new LinkedHashMap<>();
    release.put("model", manifest);
    release.put("algorithm", model.metadata().get("algorithm"));
    release.put("k", model.metadata().get("k"));
    release.put("accuracy", accuracy);
    release.put("run", ctx.runId());
    ctx.write("release", release);
    ctx.log().info("released model {} (accuracy {} >= minAccuracy {}); it is recorded, not served", manifest,
        String.format(Locale.ROOT, "%.4f", accuracy), minAccuracy);
  }
}
