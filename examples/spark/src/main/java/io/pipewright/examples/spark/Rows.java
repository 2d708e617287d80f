package io.pipewright.examples.spark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The CSV rows of a folder written by {@link PrepareDigitsOnSpark}: pixels 0..1, then the digit. */
record Rows(double[][] features, int[] labels) {
  static Rows read(Path folder) throws IOException {
    List<double[]> features = new ArrayList<>();
    List<Integer> labels = new ArrayList<>();
    List<Path> files;
    try (Stream<Path> all = Files.list(folder)) {
      files = all.filter(p -> p.getFileName().toString().endsWith(".csv")).sorted().toList();
    }
    for (Path file : files) {
      List<String> lines = Files.readAllLines(file);
      for (String line : lines.subList(1, lines.size())) {
        String[] cells = line.split(",");
        double[] x = new double[cells.length - 1];
        for (int i = 0; i < x.length; i++) {
          x[i] = Double.parseDouble(cells[i]);
        }
        features.add(x);
        labels.add(Integer.parseInt(cells[cells.length - 1]));
      }
    }
    return new Rows(features.toArray(double[][]::new), labels.stream().mapToInt(Integer::intValue).toArray());
  }
}
