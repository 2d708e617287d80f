package io.pipewright.examples;

import io.pipewright.StepBody;
import io.pipewright.StepContext;
import io.pipewright.StepException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code train} step of {@link Digits}: a {@link KnnClassifier} with the pipeline's {@code k}, from the
 * {@code train} rows, as the {@code model} output.
 */
final class TrainKnn implements StepBody {
  @Override
  public void run(StepContext ctx) throws IOException {
    int k = ctx.intParam("k");
    Path data = ctx.dataset("train").singleFile();
    LabelledRows rows = LabelledRows.read(data);
    if (k < 1 || k > rows.size()) {
      throw StepException.nonRetryable("parameter 'k' must be >= 1 and at most the " + rows.size()
          + " training rows, was " + k);
    }
    KnnClassifier model = new KnnClassifier(k, rows);
    model.save(ctx.outputDir("model"), data);

    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("algorithm", KnnClassifier.ALGORITHM);
    metadata.put("k", k);
    metadata.put("distance", "euclidean");
    metadata.put("features", rows.width());
    metadata.put("labels", List.copyOf(rows.classes()));
    metadata.put("trainingRows", rows.size());
    ctx.modelMetadata("model", metadata);
    ctx.log().info("trained {} (k={}) on {} rows of {} features, {} labels", KnnClassifier.ALGORITHM, k, rows.size(),
        rows.width(), rows.classes().size());
  }
}
