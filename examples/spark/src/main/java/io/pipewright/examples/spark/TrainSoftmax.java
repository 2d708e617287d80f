package io.pipewright.examples.spark;

import io.pipewright.StepBody;
import io.pipewright.StepContext;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

/**
 * Trains a {@link SoftmaxModel} with stochastic gradient descent: {@code epochs} passes over the rows in an order
 * shuffled by {@code trainSeed}, step size {@code learningRate}. Deterministic for the same rows and parameters.
 */
public final class TrainSoftmax implements StepBody {
  static final int CLASSES = 10;

  @Override
  public void run(StepContext ctx) throws Exception {
    Rows rows = Rows.read(ctx.input("train"));
    int features = rows.features()[0].length;
    double[][] w = new double[CLASSES][features + 1];
    SoftmaxModel model = new SoftmaxModel(w);
    double rate = ctx.doubleParam("learningRate");
    Random random = new Random(ctx.longParam("trainSeed"));
    int[] order = new int[rows.labels().length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    int epochs = ctx.intParam("epochs");
    for (int epoch = 0; epoch < epochs; epoch++) {
      if (Thread.interrupted()) {
        throw new InterruptedException("training interrupted");
      }
      for (int i = order.length - 1; i > 0; i--) {
        int j = random.nextInt(i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
      for (int n : order) {
        double[] x = rows.features()[n];
        double[] p = model.scores(x);
        for (int k = 0; k < CLASSES; k++) {
          double g = p[k] - (rows.labels()[n] == k ? 1 : 0);
          for (int f = 0; f < features; f++) {
            w[k][f] -= rate * g * x[f];
          }
          w[k][features] -= rate * g;
        }
      }
    }
    Path out = ctx.outputDir("model");
    model.write(out);
    ctx.modelMetadata("model", Map.of("framework", "pipewright-examples-spark", "algorithm", "softmax-regression"));
  }
}
