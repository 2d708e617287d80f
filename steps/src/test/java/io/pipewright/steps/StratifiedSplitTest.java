package io.pipewright.steps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pipewright.Dataset;
import io.pipewright.Pipeline;
import io.pipewright.Run;
import io.pipewright.RunOptions;
import io.pipewright.RunStatus;
import io.pipewright.StepRun;
import io.pipewright.StepStatus;
import io.pipewright.Workspace;
import io.pipewright.testing.PipewrightExtension;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(PipewrightExtension.class)
class StratifiedSplitTest {
  @TempDir
  Path dir;

  @Test
  void putsTheTestFractionOfEveryLabelIntoTest(Workspace ws) throws IOException {
    Path data = csv("data.csv", rows(Map.of("a", 50, "b", 30, "c", 20)));

    Run run = split(ws, data, StratifiedSplit.byColumn(1), Map.of("testFraction", 0.2));

    assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(labelCounts(lines(run, "test"), 1)).isEqualTo(Map.of("a", 10L, "b", 6L, "c", 4L));
    assertThat(labelCounts(lines(run, "train"), 1)).isEqualTo(Map.of("a", 40L, "b", 24L, "c", 16L));
  }

  @Test
  void keepsEveryRowExactlyOnceInInputOrder(Workspace ws) throws IOException {
    List<String> input = rows(Map.of("a", 13, "b", 7));
    Path data = csv("data.csv", input);

    Run run = split(ws, data, StratifiedSplit.byColumn(1), Map.of());

    List<String> train = lines(run, "train");
    List<String> test = lines(run, "test");
    assertThat(train).doesNotContainAnyElementsOf(test);
    assertThat(train).isSubsetOf(input).isSortedAccordingTo((x, y) -> input.indexOf(x) - input.indexOf(y));
    assertThat(test).isSortedAccordingTo((x, y) -> input.indexOf(x) - input.indexOf(y));
    assertThat(train.size() + test.size()).isEqualTo(input.size());
  }

  @Test
  void writesByteIdenticalOutputsForTheSameInputAndSeed(Workspace ws) throws IOException {
    Path data = csv("data.csv", rows(Map.of("a", 40, "b", 40, "c", 40)));

    RunOptions noReuse = RunOptions.defaults().param("seed", 11).reuse(false);
    Run first = ws.submit(pipeline(data, StratifiedSplit.byColumn(1)), noReuse).await();
    Run second = ws.submit(pipeline(data, StratifiedSplit.byColumn(1)), noReuse).await();

    assertThat(second.step("split").status()).isEqualTo(StepStatus.SUCCEEDED);
    for (String output : List.of("train", "test")) {
      // Outputs are stored by content: the same bytes land in the same place.
      Path a = file(first, output);
      Path b = file(second, output);
      assertThat(b).isEqualTo(a);
      assertThat(Files.size(a)).as(output).isPositive();
    }
  }

  @Test
  void choosesOtherRowsWithAnotherSeed(Workspace ws) throws IOException {
    Path data = csv("data.csv", rows(Map.of("a", 40, "b", 40, "c", 40)));

    Run first = split(ws, data, StratifiedSplit.byColumn(1), Map.of("seed", 1));
    Run second = split(ws, data, StratifiedSplit.byColumn(1), Map.of("seed", 2));

    assertThat(lines(first, "test")).hasSameSizeAs(lines(second, "test"))
        .isNotEqualTo(lines(second, "test"));
  }

  @Test
  void readsGzipAndCopiesTheHeaderToBothOutputs(Workspace ws) throws IOException {
    List<String> body = rows(Map.of("setosa", 10, "virginica", 10));
    List<String> withHeader = new ArrayList<>(List.of("id,species"));
    withHeader.addAll(body);
    Path data = gzip("iris.data", withHeader);

    Run run = split(ws, data, StratifiedSplit.byHeader("species"), Map.of("testFraction", 0.3));

    List<String> train = lines(run, "train");
    List<String> test = lines(run, "test");
    assertThat(train.get(0)).isEqualTo("id,species");
    assertThat(test.get(0)).isEqualTo("id,species");
    assertThat(labelCounts(test.subList(1, test.size()), 1)).isEqualTo(Map.of("setosa", 3L, "virginica", 3L));
    assertThat(train.size() + test.size()).isEqualTo(body.size() + 2);
  }

  @Test
  void keepsQuotedFieldsIntact(Workspace ws) throws IOException {
    Path data = csv("data.csv", List.of("\"Smith, J\",x", "\"say \"\"hi\"\"\",x", "plain,y", "other,y"));

    Run run = split(ws, data, StratifiedSplit.byColumn(1), Map.of("testFraction", 0.5));

    List<String> all = new ArrayList<>(lines(run, "train"));
    all.addAll(lines(run, "test"));
    assertThat(all).containsExactlyInAnyOrder("\"Smith, J\",x", "\"say \"\"hi\"\"\",x", "plain,y", "other,y");
  }

  @Test
  void keepsALabelWithASingleRowInTrain(Workspace ws) throws IOException {
    List<String> input = new ArrayList<>(rows(Map.of("a", 10)));
    input.add("99,lonely");
    Path data = csv("data.csv", input);

    Run run = split(ws, data, StratifiedSplit.byColumn(1), Map.of());

    assertThat(lines(run, "train")).contains("99,lonely");
    assertThat(ws.runs().logs(run.id(), "split")).anySatisfy(
        log -> assertThat(log.message()).isEqualTo("label 'lonely' has a single row: it stays in train"));
  }

  @Test
  void appliesTheMappingBeforeSplitting(Workspace ws) throws IOException {
    Path data = csv("data.csv", List.of("4,a", "8,a", "12,b", "16,b"));
    StratifiedSplit halving = StratifiedSplit.byColumn(1).mapping(
        row -> List.of(Double.toString(Integer.parseInt(row.get(0)) / 16.0), row.get(1).toUpperCase()));

    Run run = split(ws, data, halving, Map.of("testFraction", 0.5));

    List<String> all = new ArrayList<>(lines(run, "train"));
    all.addAll(lines(run, "test"));
    assertThat(all).containsExactlyInAnyOrder("0.25,A", "0.5,A", "0.75,B", "1.0,B");
  }

  @Test
  void readsRenamedInputAndParameters(Workspace ws) throws IOException {
    Path data = csv("data.csv", rows(Map.of("a", 10, "b", 10)));
    Pipeline p = Pipeline.named("renamed").parameter("holdout", 0.5).parameter("shuffleSeed", 3);
    p.prep("split").input("raw", data)
        .produces("train", Dataset.class).produces("test", Dataset.class)
        .uses("holdout", "shuffleSeed")
        .runs(StratifiedSplit.byColumn(1).from("raw").parameters("holdout", "shuffleSeed"));

    Run run = ws.submit(p).await();

    assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(lines(run, "test")).hasSize(10);
  }

  @Test
  void failsWithFileAndLineForARowWithTooFewFields(Workspace ws) throws IOException {
    Path data = csv("data.csv", List.of("1,a", "2,b", "", "3"));

    StepRun step = split(ws, data, StratifiedSplit.byColumn(1), Map.of()).step("split");

    assertThat(step.status()).isEqualTo(StepStatus.FAILED);
    assertThat(step.error()).isEqualTo(data.toAbsolutePath() + ":4: expected 2 fields, as on line 1, found 1");
  }

  @Test
  void failsWithoutRetryingMalformedData(Workspace ws) throws IOException {
    Path data = csv("data.csv", List.of("1,a", "\"2,b"));
    Pipeline p = Pipeline.named("retrying").parameter("testFraction", 0.2).parameter("seed", 7);
    p.prep("split").input("data", data)
        .produces("train", Dataset.class).produces("test", Dataset.class)
        .uses("testFraction", "seed")
        .retries(3)
        .runs(StratifiedSplit.byColumn(1));

    StepRun step = ws.submit(p).await().step("split");

    assertThat(step.attempts()).isEqualTo(1);
    assertThat(step.error()).isEqualTo(data.toAbsolutePath() + ":2: quoted field 1 is not closed");
  }

  @Test
  void failsWithFileAndLineWhenTheMappingRejectsARow(Workspace ws) throws IOException {
    Path data = csv("data.csv", List.of("1,a", "x,b"));
    StratifiedSplit numeric = StratifiedSplit.byColumn(1).mapping(row -> {
      Integer.parseInt(row.get(0));
      return row;
    });

    StepRun step = split(ws, data, numeric, Map.of()).step("split");

    assertThat(step.error()).isEqualTo(data.toAbsolutePath() + ":2: For input string: \"x\"");
  }

  @Test
  void failsForAnEmptyLabel(Workspace ws) throws IOException {
    Path data = csv("data.csv", List.of("1,a", "2, "));

    StepRun step = split(ws, data, StratifiedSplit.byColumn(1), Map.of()).step("split");

    assertThat(step.error()).isEqualTo(data.toAbsolutePath() + ":2: empty label in column 1");
  }

  @Test
  void failsWhenTheLabelColumnIsBeyondTheRow(Workspace ws) throws IOException {
    Path data = csv("data.csv", List.of("1,a", "2,b"));

    StepRun step = split(ws, data, StratifiedSplit.byColumn(5), Map.of()).step("split");

    assertThat(step.error())
        .isEqualTo(data.toAbsolutePath() + ":1: label column 5 is out of range: the row has 2 fields (0 to 1)");
  }

  @Test
  void failsNamingTheColumnsWhenTheHeaderLacksTheLabel(Workspace ws) throws IOException {
    Path data = csv("data.csv", List.of("id,kind", "1,a"));

    StepRun step = split(ws, data, StratifiedSplit.byHeader("species"), Map.of()).step("split");

    assertThat(step.error())
        .isEqualTo(data.toAbsolutePath() + ":1: no column 'species' in the header (columns: id, kind)");
  }

  @Test
  void failsForATestFractionOutsideZeroToOne(Workspace ws) throws IOException {
    Path data = csv("data.csv", rows(Map.of("a", 10)));

    StepRun step = split(ws, data, StratifiedSplit.byColumn(1), Map.of("testFraction", 1.0)).step("split");

    assertThat(step.error()).isEqualTo("parameter 'testFraction' must be > 0 and < 1, was 1.0");
  }

  @Test
  void failsWhenNoLabelHasTwoRows(Workspace ws) throws IOException {
    Path data = csv("data.csv", List.of("1,a", "2,b"));

    StepRun step = split(ws, data, StratifiedSplit.byColumn(1), Map.of()).step("split");

    assertThat(step.error())
        .isEqualTo(data.toAbsolutePath() + ": every label has a single row, so none can go to test");
  }

  @Test
  void failsForAnInputWithSeveralFiles(Workspace ws) throws IOException {
    Path folder = Files.createDirectories(dir.resolve("parts"));
    Files.writeString(folder.resolve("a.csv"), "1,a\n");
    Files.writeString(folder.resolve("b.csv"), "2,a\n");

    StepRun step = split(ws, folder, StratifiedSplit.byColumn(1), Map.of()).step("split");

    assertThat(step.error()).isEqualTo("input 'data' must be one CSV file, found 2 files in " + folder);
  }

  @Test
  void rejectsANegativeLabelColumnOrAnEmptyName() {
    assertThatThrownBy(() -> StratifiedSplit.byColumn(-1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("label column must be >= 0, was -1");
    assertThatThrownBy(() -> StratifiedSplit.byHeader("")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("label column name must not be empty, was ''");
  }

  // ---- helpers

  private static Pipeline pipeline(Path data, StratifiedSplit body) {
    Pipeline p = Pipeline.named("split").parameter("testFraction", 0.2).parameter("seed", 7);
    p.prep("split").input("data", data)
        .produces("train", Dataset.class).produces("test", Dataset.class)
        .uses("testFraction", "seed")
        .runs(body);
    return p;
  }

  private static Run split(Workspace ws, Path data, StratifiedSplit body, Map<String, ?> params) {
    return ws.submit(pipeline(data, body), params).await();
  }

  /** {@code count} rows {@code "<n>,<label>"} per label, labels interleaved, numbered from 0. */
  private static List<String> rows(Map<String, Integer> counts) {
    List<String> labels = counts.keySet().stream().sorted().toList();
    List<String> rows = new ArrayList<>();
    int max = counts.values().stream().mapToInt(Integer::intValue).max().orElse(0);
    for (int i = 0; i < max; i++) {
      for (String label : labels) {
        if (i < counts.get(label)) {
          rows.add(rows.size() + "," + label);
        }
      }
    }
    return rows;
  }

  private Path csv(String name, List<String> lines) throws IOException {
    return Files.write(dir.resolve(name), lines, StandardCharsets.UTF_8);
  }

  private Path gzip(String name, List<String> lines) throws IOException {
    Path file = dir.resolve(name);
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
      out.write((String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
    }
    return file;
  }

  private static Path file(Run run, String output) {
    assertThat(run.status()).as(String.valueOf(run)).isEqualTo(RunStatus.SUCCEEDED);
    return Path.of(run.step("split").outputs().get(output)).resolve(output + ".csv");
  }

  private static List<String> lines(Run run, String output) throws IOException {
    return Files.readAllLines(file(run, output), StandardCharsets.UTF_8);
  }

  private static Map<String, Long> labelCounts(List<String> lines, int column) {
    return lines.stream().collect(Collectors.groupingBy(l -> l.split(",")[column], Collectors.counting()));
  }
}
