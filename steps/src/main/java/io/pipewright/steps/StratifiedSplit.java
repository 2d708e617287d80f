package io.pipewright.steps;

import io.pipewright.Dataset;
import io.pipewright.StepBody;
import io.pipewright.StepContext;
import io.pipewright.StepException;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * Splits a CSV dataset into a {@code train} and a {@code test} Dataset, stratified by a label column: every label
 * keeps (up to rounding) the same share of rows in both, so that small classes are still evaluated. The split is a
 * pure function of the input, the test fraction and the seed: the same three give byte-identical outputs, so a
 * re-run trains and evaluates on exactly the same rows.
 *
 * <pre>{@code
 * Pipeline p = Pipeline.named("iris").parameter("testFraction", 0.2).parameter("seed", 42);
 * Step split = p.prep("split")
 *     .input("data", Path.of("iris.csv"))
 *     .produces("train", Dataset.class).produces("test", Dataset.class)
 *     .uses("testFraction", "seed")
 *     .runs(StratifiedSplit.byHeader("species"));
 * }</pre>
 *
 * <p><b>Input:</b> one CSV file (plain or gzip, recognised by its content), read from the input named {@code data}
 * unless {@link #from} says otherwise. Fields are separated by commas and may be quoted with {@code "}; a quoted field
 * cannot span lines. Blank lines are skipped. Rows are held in memory: this step is for data that fits.
 *
 * <p><b>Parameters:</b> the test fraction (a number, {@code > 0} and {@code < 1}) and the seed (an integer) are
 * pipeline parameters, by default named {@code testFraction} and {@code seed}, so that a run records them and
 * changing them re-runs the split. The step must declare them with {@code uses(...)}.
 *
 * <p><b>Outputs:</b> {@code train/train.csv} and {@code test/test.csv}, UTF-8 with {@code \n} line endings, the header
 * first when the input has one, then the rows in their input order. Each label with {@code n >= 2} rows puts
 * {@code round(n * testFraction)} of them, but at least one and at most {@code n - 1}, into test; a label with a
 * single row stays in train.
 *
 * <p><b>Errors:</b> a malformed row (a field count that differs from the first row's, an empty label, an unclosed
 * quote) fails the step without retries, with a message that starts with the file and line: {@code
 * /data/iris.csv:17: expected 5 fields, as on line 1, found 4}.
 *
 * <p>Immutable and thread-safe: configure it with the factories and {@code with}-style methods, and pass it to
 * {@code runs(...)} or call {@link #run} from a body class of your own.
 */
public final class StratifiedSplit implements StepBody {
  /** The output that receives the training rows. */
  public static final String TRAIN = "train";
  /** The output that receives the test rows. */
  public static final String TEST = "test";

  private final int labelIndex;
  private final String labelName;
  private final String input;
  private final String testFractionParameter;
  private final String seedParameter;
  private final UnaryOperator<List<String>> mapping;

  private StratifiedSplit(int labelIndex, String labelName, String input, String testFractionParameter,
      String seedParameter, UnaryOperator<List<String>> mapping) {
    this.labelIndex = labelIndex;
    this.labelName = labelName;
    this.input = input;
    this.testFractionParameter = testFractionParameter;
    this.seedParameter = seedParameter;
    this.mapping = mapping;
  }

  /** Splits a CSV without a header line, stratified by the field at {@code index} (0 for the first). */
  public static StratifiedSplit byColumn(int index) {
    if (index < 0) {
      throw new IllegalArgumentException("label column must be >= 0, was " + index);
    }
    return new StratifiedSplit(index, null, "data", "testFraction", "seed", null);
  }

  /** Splits a CSV whose first line is a header, stratified by the column named {@code name}; both outputs get it. */
  public static StratifiedSplit byHeader(String name) {
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("label column name must not be empty, was "
          + (name == null ? "null" : "''"));
    }
    return new StratifiedSplit(-1, name, "data", "testFraction", "seed", null);
  }

  /** Reads the named input instead of {@code data}. */
  public StratifiedSplit from(String inputName) {
    Objects.requireNonNull(inputName, "input name");
    return new StratifiedSplit(labelIndex, labelName, inputName, testFractionParameter, seedParameter, mapping);
  }

  /**
   * Reads the test fraction and the seed from these pipeline parameters instead of {@code testFraction} and
   * {@code seed}: for a pipeline that splits twice, or that names them otherwise.
   */
  public StratifiedSplit parameters(String testFraction, String seed) {
    Objects.requireNonNull(testFraction, "test fraction parameter");
    Objects.requireNonNull(seed, "seed parameter");
    return new StratifiedSplit(labelIndex, labelName, input, testFraction, seed, mapping);
  }

  /**
   * Transforms each data row (not the header) as it is read, before the split: to scale features, say. The label is
   * read from the transformed row. An {@link IllegalArgumentException} the function throws, such as a
   * {@link NumberFormatException}, fails the step with the file and line of the row.
   */
  public StratifiedSplit mapping(UnaryOperator<List<String>> rowMapping) {
    Objects.requireNonNull(rowMapping, "row mapping");
    return new StratifiedSplit(labelIndex, labelName, input, testFractionParameter, seedParameter, rowMapping);
  }

  @Override
  public void run(StepContext ctx) throws IOException {
    double testFraction = ctx.doubleParam(testFractionParameter);
    if (!(testFraction > 0 && testFraction < 1)) {
      throw StepException.nonRetryable("parameter '" + testFractionParameter + "' must be > 0 and < 1, was "
          + testFraction);
    }
    long seed = ctx.longParam(seedParameter);

    Path file = singleFile(ctx.dataset(input));
    Table table = read(file);
    Map<String, List<Integer>> rowsByLabel = new TreeMap<>();
    for (int i = 0; i < table.labels.size(); i++) {
      rowsByLabel.computeIfAbsent(table.labels.get(i), l -> new ArrayList<>()).add(i);
    }
    ctx.log().info("read {} rows with {} labels from {}", table.rows.size(), rowsByLabel.size(), file.getFileName());

    boolean[] inTest = chooseTest(rowsByLabel, testFraction, seed, ctx);
    int tests = 0;
    for (boolean t : inTest) {
      tests += t ? 1 : 0;
    }
    if (tests == 0) {
      throw StepException.nonRetryable(file + ": every label has a single row, so none can go to test");
    }
    write(ctx.outputDir(TRAIN).resolve("train.csv"), table, inTest, false);
    write(ctx.outputDir(TEST).resolve("test.csv"), table, inTest, true);
    ctx.log().info("wrote {} rows to train and {} to test ({} {}, {} {})", table.rows.size() - tests, tests,
        testFractionParameter, testFraction, seedParameter, seed);
  }

  private Path singleFile(Dataset dataset) {
    if (dataset.files().size() != 1) {
      throw StepException.nonRetryable("input '" + input + "' must be one CSV file, found " + dataset.files().size()
          + " files in " + dataset.root());
    }
    return dataset.singleFile();
  }

  /** The rows of a CSV as fields, with their labels and the header if any. */
  private record Table(List<String> header, List<List<String>> rows, List<String> labels) {}

  private Table read(Path file) throws IOException {
    List<String> header = null;
    List<List<String>> rows = new ArrayList<>();
    List<String> labels = new ArrayList<>();
    int label = labelIndex;
    int width = -1;
    int widthLine = 0;
    try (BufferedReader reader = Csv.open(file)) {
      int lineNumber = 0;
      for (String line; (line = reader.readLine()) != null; ) {
        lineNumber++;
        if (lineNumber == 1 && line.startsWith("\uFEFF")) {
          line = line.substring(1);
        }
        if (line.isBlank()) {
          continue;
        }
        List<String> fields = parse(file, lineNumber, line);
        if (labelName != null && header == null) {
          header = fields;
          width = header.size();
          widthLine = lineNumber;
          label = header.indexOf(labelName);
          if (label < 0) {
            throw malformed(file, lineNumber, "no column '" + labelName + "' in the header (columns: "
                + String.join(", ", header.subList(0, Math.min(header.size(), 20)))
                + (header.size() > 20 ? ", ..." : "") + ")");
          }
          continue;
        }
        if (mapping != null) {
          try {
            fields = List.copyOf(mapping.apply(List.copyOf(fields)));
          } catch (IllegalArgumentException e) {
            throw malformed(file, lineNumber, e.getMessage() == null ? e.toString() : e.getMessage());
          }
        }
        if (width < 0) {
          width = fields.size();
          widthLine = lineNumber;
        }
        if (fields.size() != width) {
          throw malformed(file, lineNumber, "expected " + width + " fields, as on line " + widthLine + ", found "
              + fields.size());
        }
        if (label >= fields.size()) {
          throw malformed(file, lineNumber, "label column " + label + " is out of range: the row has "
              + fields.size() + " fields (0 to " + (fields.size() - 1) + ")");
        }
        String value = fields.get(label);
        if (value.isBlank()) {
          throw malformed(file, lineNumber, "empty label in column " + label);
        }
        rows.add(fields);
        labels.add(value);
      }
    }
    if (rows.isEmpty()) {
      throw StepException.nonRetryable(file + ": no data rows to split");
    }
    return new Table(header, rows, labels);
  }

  private static List<String> parse(Path file, int lineNumber, String line) {
    try {
      return Csv.parse(line);
    } catch (IllegalArgumentException e) {
      throw malformed(file, lineNumber, e.getMessage());
    }
  }

  private static StepException malformed(Path file, int lineNumber, String message) {
    return StepException.nonRetryable(file + ":" + lineNumber + ": " + message);
  }

  /**
   * Marks the test rows. Labels are visited in sorted order with one generator, and each label's rows are shuffled
   * with a Fisher-Yates shuffle written out here: {@link Random}'s sequence is specified, so the choice is the same on
   * every JVM, which {@code Collections.shuffle} does not promise.
   */
  private static boolean[] chooseTest(Map<String, List<Integer>> rowsByLabel, double testFraction, long seed,
      StepContext ctx) {
    int total = rowsByLabel.values().stream().mapToInt(List::size).sum();
    boolean[] inTest = new boolean[total];
    Random random = new Random(seed);
    rowsByLabel.forEach((label, rows) -> {
      int n = rows.size();
      if (n < 2) {
        ctx.log().warn("label '{}' has a single row: it stays in train", label);
        return;
      }
      int tests = (int) Math.max(1, Math.min(n - 1, Math.round(n * testFraction)));
      int[] order = rows.stream().mapToInt(Integer::intValue).toArray();
      for (int i = n - 1; i > 0; i--) {
        int j = random.nextInt(i + 1);
        int swap = order[i];
        order[i] = order[j];
        order[j] = swap;
      }
      for (int i = 0; i < tests; i++) {
        inTest[order[i]] = true;
      }
    });
    return inTest;
  }

  private static void write(Path file, Table table, boolean[] inTest, boolean test) throws IOException {
    try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      if (table.header != null) {
        out.write(Csv.format(table.header));
        out.write('\n');
      }
      for (int i = 0; i < inTest.length; i++) {
        if (inTest[i] == test) {
          out.write(Csv.format(table.rows.get(i)));
          out.write('\n');
        }
      }
    }
  }
}
