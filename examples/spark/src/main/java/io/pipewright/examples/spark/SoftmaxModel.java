package io.pipewright.examples.spark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A multinomial logistic regression: one weight row (bias last) per class; stored as a CSV of those rows. */
record SoftmaxModel(double[][] weights) {
  static final String FILE = "weights.csv";

  int predict(double[] x) {
    double[] scores = scores(x);
    int best = 0;
    for (int k = 1; k < scores.length; k++) {
      if (scores[k] > scores[best]) {
        best = k;
      }
    }
    return best;
  }

  /** Class probabilities. */
  double[] scores(double[] x) {
    double[] z = new double[weights.length];
    double max = Double.NEGATIVE_INFINITY;
    for (int k = 0; k < weights.length; k++) {
      double[] w = weights[k];
      double s = w[x.length];
      for (int i = 0; i < x.length; i++) {
        s += w[i] * x[i];
      }
      z[k] = s;
      max = Math.max(max, s);
    }
    double sum = 0;
    for (int k = 0; k < z.length; k++) {
      z[k] = Math.exp(z[k] - max);
      sum += z[k];
    }
    for (int k = 0; k < z.length; k++) {
      z[k] /= sum;
    }
    return z;
  }

  void write(Path folder) throws IOException {
    List<String> lines = new ArrayList<>();
    for (double[] row : weights) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.length; i++) {
        line.append(i == 0 ? "" : ",").append(row[i]);
      }
      lines.add(line.toString());
    }
    Files.write(folder.resolve(FILE), lines);
  }

  static SoftmaxModel read(Path folder) throws IOException {
    return new SoftmaxModel(Files.readAllLines(folder.resolve(FILE)).stream()
        .map(line -> java.util.Arrays.stream(line.split(",")).mapToDouble(Double::parseDouble).toArray())
        .toArray(double[][]::new));
  }
}
