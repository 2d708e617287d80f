package io.pipewright.examples;

import io.pipewright.Metrics;
import io.pipewright.StepBody;
import io.pipewright.StepContext;
import io.pipewright.StepException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.tribuo.Model;
import org.tribuo.classification.Label;
import org.tribuo.classification.evaluation.ConfusionMatrix;
import org.tribuo.classification.evaluation.LabelEvaluation;
import org.tribuo.classification.evaluation.LabelEvaluator;

/**
 * The {@code evaluate} step of {@link Digits}: predicts each {@code test} row with the {@code model} (a Tribuo
 * classifier, as {@link TribuoModelFile} stores it) and reports, as the {@code metrics} output, {@code accuracy},
 * {@code precision.L} and {@code recall.L} of each label {@code L}, and the macro averages {@code precision_macro},
 * {@code recall_macro} and {@code f1_macro} (the mean over labels, each label counting the same). The {@code confusion}
 * output holds the confusion matrix, {@code {"labels": [...], "counts": [[...], ...]}}, a row per true label and a
 * column per predicted one; the step's log shows it as a table.
 *
 * <p>Tribuo computes the figures; a label never predicted has precision 0, as scikit-learn reports it by default.
 */
final class EvaluateClassifier implements StepBody {
  @Override
  public void run(StepContext ctx) throws IOException {
    TribuoLogging.redirect();
    Model<Label> model = TribuoModelFile.read(ctx.model("model").file(TribuoModelFile.NAME));
    LabelledRows test = LabelledRows.read(ctx.dataset("test").singleFile());
    int width = model.getFeatureIDMap().size();
    if (test.width() != width) {
      throw StepException.nonRetryable("test rows have " + test.width() + " features, the model expects " + width);
    }

    LabelEvaluation evaluation = new LabelEvaluator().evaluate(model, test.toTribuo("digits test rows"));

    // Labels in their natural order: the domain of the confusion matrix is the model's.
    ConfusionMatrix<Label> confusion = evaluation.getConfusionMatrix();
    Map<String, Label> byName = new TreeMap<>();
    confusion.getDomain().getDomain().forEach(label -> byName.put(label.getLabel(), label));
    List<String> labels = List.copyOf(byName.keySet());

    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put("accuracy", evaluation.accuracy());
    byName.forEach((name, label) -> {
      metrics.put("precision." + name, evaluation.precision(label));
      metrics.put("recall." + name, evaluation.recall(label));
    });
    metrics.put("precision_macro", evaluation.macroAveragedPrecision());
    metrics.put("recall_macro", evaluation.macroAveragedRecall());
    metrics.put("f1_macro", evaluation.macroAveragedF1());
    ctx.write("metrics", Metrics.of(metrics));

    List<List<Long>> counts = new ArrayList<>();
    for (Label truth : byName.values()) {
      List<Long> row = new ArrayList<>();
      for (Label predicted : byName.values()) {
        row.add(Math.round(confusion.confusion(predicted, truth)));
      }
      counts.add(row);
    }
    Map<String, Object> matrix = new LinkedHashMap<>();
    matrix.put("labels", labels);
    matrix.put("counts", counts);
    ctx.write("confusion", matrix);

    long correct = 0;
    for (int c = 0; c < labels.size(); c++) {
      correct += counts.get(c).get(c);
    }
    ctx.log().info("accuracy {} ({} of {} test rows), macro F1 {}, with {}", round(evaluation.accuracy()), correct,
        test.size(), round(evaluation.macroAveragedF1()), ctx.model("model").metadata().get("algorithm"));
    ctx.log().info("confusion matrix, a row per true label, a column per predicted one:");
    ctx.log().info("     {}", String.join(" ", labels.stream().map(l -> String.format("%4s", l)).toList()));
    for (int c = 0; c < labels.size(); c++) {
      ctx.log().info("{} {}", String.format("%4s", labels.get(c)),
          String.join(" ", counts.get(c).stream().map(n -> String.format("%4d", n)).toList()));
    }
  }

  private static String round(double value) {
    return String.format(Locale.ROOT, "%.4f", value);
  }
}
