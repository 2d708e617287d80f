package io.pipewright.examples;

import io.pipewright.Metrics;
import io.pipewright.StepBody;
import io.pipewright.StepContext;
import io.pipewright.StepException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * The {@code evaluate} step of {@link Digits}: predicts each {@code test} row with the {@code model} and reports
 * accuracy, per-label precision and recall, and their macro averages as the {@code metrics} output; the
 * {@code confusion} output holds the confusion matrix, {@code {"labels": [...], "counts": [[...], ...]}}, a row per
 * true label and a column per predicted one.
 *
 * <p>A label never predicted has precision 0, as scikit-learn reports it by default.
 */
final class EvaluateClassifier implements StepBody {
  @Override
  public void run(StepContext ctx) throws IOException {
    KnnClassifier model = KnnClassifier.load(ctx.model("model"));
    LabelledRows test = LabelledRows.read(ctx.dataset("test").singleFile());
    if (test.width() != model.width()) {
      throw StepException.nonRetryable("test rows have " + test.width() + " features, the model expects "
          + model.width());
    }

    String[] predicted = new String[test.size()];
    TreeSet<String> labelSet = new TreeSet<>(test.classes());
    for (int i = 0; i < test.size(); i++) {
      predicted[i] = model.predict(test.features()[i]);
      labelSet.add(predicted[i]);
    }
    List<String> labels = List.copyOf(labelSet);
    long[][] counts = new long[labels.size()][labels.size()];
    int correct = 0;
    for (int i = 0; i < test.size(); i++) {
      counts[labels.indexOf(test.labels()[i])][labels.indexOf(predicted[i])]++;
      correct += test.labels()[i].equals(predicted[i]) ? 1 : 0;
    }

    double accuracy = correct / (double) test.size();
    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put("accuracy", accuracy);
    double precisionSum = 0;
    double recallSum = 0;
    double f1Sum = 0;
    for (int c = 0; c < labels.size(); c++) {
      long truePositives = counts[c][c];
      long actual = 0;
      long predictedAs = 0;
      for (int o = 0; o < labels.size(); o++) {
        actual += counts[c][o];
        predictedAs += counts[o][c];
      }
      double precision = predictedAs == 0 ? 0 : truePositives / (double) predictedAs;
      double recall = actual == 0 ? 0 : truePositives / (double) actual;
      metrics.put("precision_" + labels.get(c), precision);
      metrics.put("recall_" + labels.get(c), recall);
      precisionSum += precision;
      recallSum += recall;
      f1Sum += precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
    }
    metrics.put("precision_macro", precisionSum / labels.size());
    metrics.put("recall_macro", recallSum / labels.size());
    metrics.put("f1_macro", f1Sum / labels.size());
    ctx.write("metrics", Metrics.of(metrics));

    List<List<Long>> matrix = new ArrayList<>();
    for (long[] row : counts) {
      matrix.add(Arrays.stream(row).boxed().toList());
    }
    Map<String, Object> confusion = new LinkedHashMap<>();
    confusion.put("labels", labels);
    confusion.put("counts", matrix);
    ctx.write("confusion", confusion);

    ctx.log().info("accuracy {} ({} of {} test rows), macro F1 {}, with {} (k={})", round(accuracy), correct,
        test.size(), round(f1Sum / labels.size()), KnnClassifier.ALGORITHM, model.k());
    ctx.log().info("confusion matrix, a row per true label, a column per predicted one:");
    ctx.log().info("     {}", String.join(" ", labels.stream().map(l -> String.format("%4s", l)).toList()));
    for (int c = 0; c < labels.size(); c++) {
      ctx.log().info("{} {}", String.format("%4s", labels.get(c)),
          String.join(" ", matrix.get(c).stream().map(n -> String.format("%4d", n)).toList()));
    }
  }

  private static String round(double value) {
    return String.format(Locale.ROOT, "%.4f", value);
  }
}
