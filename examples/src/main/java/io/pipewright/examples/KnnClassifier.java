package io.pipewright.examples;

import io.pipewright.Model;
import io.pipewright.StepException;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/**
 * A k-nearest-neighbours classifier with Euclidean distance: a row gets the label most common among the k training
 * rows closest to it. Simple, with no training beyond keeping the rows, and accurate on small images such as digits.
 *
 * <p>Deterministic: of rows at equal distance the earlier one is nearer, and a tie in votes goes to the label of the
 * nearest neighbour among the tied labels.
 *
 * <p>Stored as two files: {@code knn.properties} (its settings; written by hand, without the date that
 * {@link Properties#store} adds, so that equal models are equal files) and {@code examples.csv} (the training rows).
 */
final class KnnClassifier {
  static final String ALGORITHM = "k-nearest-neighbours";
  private static final String SETTINGS = "knn.properties";
  private static final String EXAMPLES = "examples.csv";

  private final int k;
  private final LabelledRows examples;

  KnnClassifier(int k, LabelledRows examples) {
    if (k < 1 || k > examples.size()) {
      throw new IllegalArgumentException("k must be >= 1 and at most the " + examples.size()
          + " training rows, was " + k);
    }
    this.k = k;
    this.examples = examples;
  }

  int k() {
    return k;
  }

  /** The number of features a row must have. */
  int width() {
    return examples.width();
  }

  /** Writes the model into {@code dir}; {@code examplesFile} is the CSV the examples were read from. */
  void save(Path dir, Path examplesFile) throws IOException {
    Files.writeString(dir.resolve(SETTINGS), "algorithm=" + ALGORITHM + "\nk=" + k + "\ndistance=euclidean\n",
        StandardCharsets.UTF_8);
    Files.copy(examplesFile, dir.resolve(EXAMPLES));
  }

  /** Reads a model that {@link #save} wrote. */
  static KnnClassifier load(Model model) throws IOException {
    Properties settings = new Properties();
    try (Reader reader = Files.newBufferedReader(model.file(SETTINGS), StandardCharsets.UTF_8)) {
      settings.load(reader);
    }
    if (!ALGORITHM.equals(settings.getProperty("algorithm"))) {
      throw StepException.nonRetryable("model at " + model.dir() + " is a '" + settings.getProperty("algorithm")
          + "' model, not " + ALGORITHM);
    }
    return new KnnClassifier(Integer.parseInt(settings.getProperty("k")),
        LabelledRows.read(model.file(EXAMPLES)));
  }

  /** The predicted label of one row of {@link #width()} features. */
  String predict(double[] row) {
    double[][] x = examples.features();
    // The k nearest so far, nearest first: k is small, so an insertion into a short array beats a heap.
    int[] nearest = new int[k];
    double[] distance = new double[k];
    int found = 0;
    for (int i = 0; i < x.length; i++) {
      double d = 0;
      for (int j = 0; j < row.length; j++) {
        double diff = x[i][j] - row[j];
        d += diff * diff;
      }
      if (found == k && d >= distance[k - 1]) {
        continue;
      }
      int at = found < k ? found++ : k - 1;
      while (at > 0 && distance[at - 1] > d) {
        nearest[at] = nearest[at - 1];
        distance[at] = distance[at - 1];
        at--;
      }
      nearest[at] = i;
      distance[at] = d;
    }
    Map<String, Integer> votes = new HashMap<>();
    int most = 0;
    for (int n = 0; n < k; n++) {
      most = Math.max(most, votes.merge(examples.labels()[nearest[n]], 1, Integer::sum));
    }
    for (int n = 0; n < k; n++) {
      String label = examples.labels()[nearest[n]];
      if (votes.get(label) == most) {
        return label;
      }
    }
    throw new IllegalStateException("no label among " + k + " neighbours");
  }
}
