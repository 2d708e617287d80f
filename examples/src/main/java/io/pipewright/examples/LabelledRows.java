package io.pipewright.examples;

import io.pipewright.StepException;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import org.tribuo.MutableDataset;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.impl.ArrayExample;
import org.tribuo.provenance.SimpleDataSourceProvenance;

/**
 * Rows of numeric features with a label in the last column, as the {@code prep} step writes them: a CSV without a
 * header or quotes.
 *
 * @param features one array per row, all of the same length
 * @param labels the label of each row
 */
record LabelledRows(double[][] features, String[] labels) {
  /**
   * Reads a file, failing the step, without retries, on a row that is not numbers and a label, naming its file and
   * line.
   */
  static LabelledRows read(Path file) throws IOException {
    List<double[]> features = new ArrayList<>();
    List<String> labels = new ArrayList<>();
    try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      int lineNumber = 0;
      for (String line; (line = reader.readLine()) != null; ) {
        lineNumber++;
        if (line.isBlank()) {
          continue;
        }
        String[] fields = line.split(",", -1);
        int width = features.isEmpty() ? fields.length - 1 : features.get(0).length;
        if (fields.length != width + 1 || width == 0) {
          throw malformed(file, lineNumber, "expected " + (width + 1) + " fields (" + width + " features and the"
              + " label), found " + fields.length);
        }
        double[] row = new double[width];
        for (int i = 0; i < width; i++) {
          try {
            row[i] = Double.parseDouble(fields[i]);
          } catch (NumberFormatException e) {
            throw malformed(file, lineNumber, "feature " + i + " is '" + fields[i] + "', not a number");
          }
        }
        features.add(row);
        labels.add(fields[width]);
      }
    }
    if (features.isEmpty()) {
      throw StepException.nonRetryable(file + ": no rows");
    }
    return new LabelledRows(features.toArray(double[][]::new), labels.toArray(String[]::new));
  }

  private static StepException malformed(Path file, int lineNumber, String message) {
    return StepException.nonRetryable(file + ":" + lineNumber + ": " + message);
  }

  int size() {
    return labels.length;
  }

  int width() {
    return features[0].length;
  }

  /** The distinct labels, sorted. */
  SortedSet<String> classes() {
    return new TreeSet<>(List.of(labels));
  }

  /**
   * The rows as a Tribuo dataset, one example a row, with features named {@code f00}, {@code f01}, ... (zero-padded,
   * so that Tribuo's feature order, which is by name, is the column order).
   *
   * <p>Tribuo records where a dataset came from in its provenance, and so in a model trained on it. The
   * {@code description} stands for the source (give it the content hash of the data, say), and the creation time is
   * pinned to the epoch: a time of reading would make two trainings on the same rows differ.
   */
  MutableDataset<Label> toTribuo(String description) {
    LabelFactory factory = new LabelFactory();
    MutableDataset<Label> dataset = new MutableDataset<>(new SimpleDataSourceProvenance(description,
        OffsetDateTime.ofInstant(Instant.EPOCH, ZoneOffset.UTC), factory), factory);
    String[] names = featureNames(width());
    for (int i = 0; i < labels.length; i++) {
      dataset.add(new ArrayExample<>(new Label(labels[i]), names, features[i]));
    }
    return dataset;
  }

  /** The Tribuo feature names of {@code width} columns, as {@link #toTribuo} gives them. */
  static String[] featureNames(int width) {
    int digits = Integer.toString(Math.max(0, width - 1)).length();
    String[] names = new String[width];
    for (int i = 0; i < width; i++) {
      names[i] = "f" + "0".repeat(digits - Integer.toString(i).length()) + i;
    }
    return names;
  }
}
