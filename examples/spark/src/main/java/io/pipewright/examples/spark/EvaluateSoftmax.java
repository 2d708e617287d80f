package io.pipewright.examples.spark;

import io.pipewright.Metrics;
import io.pipewright.StepBody;
import io.pipewright.StepContext;

/** The accuracy of the {@code model} on the {@code test} rows, as the {@code metrics} output. */
public final class EvaluateSoftmax implements StepBody {
  @Override
  public void run(StepContext ctx) throws Exception {
    SoftmaxModel model = SoftmaxModel.read(ctx.input("model"));
    Rows test = Rows.read(ctx.input("test"));
    int right = 0;
    for (int n = 0; n < test.labels().length; n++) {
      if (model.predict(test.features()[n]) == test.labels()[n]) {
        right++;
      }
    }
    double accuracy = (double) right / test.labels().length;
    ctx.write("metrics", Metrics.of("accuracy", accuracy, "test.rows", test.labels().length));
  }
}
