package io.pipewright.steps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pipewright.Dataset;
import io.pipewright.Metrics;
import io.pipewright.Pipeline;
import io.pipewright.Run;
import io.pipewright.RunEvent;
import io.pipewright.Step;
import io.pipewright.StepRun;
import io.pipewright.StepStatus;
import io.pipewright.Workspace;
import io.pipewright.testing.PipewrightExtension;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Partitioning, gathering, the context a partition sees, and the checks of a declaration. */
@ExtendWith(PipewrightExtension.class)
class ParallelTest {
  @TempDir
  Path dir;

  // ---- partitioning and gathering

  @Test
  void gathersOneFolderPerFileInManifestOrder(Workspace ws) throws IOException {
    Path images = folder("images", Map.of("b.txt", "bee", "a.txt", "ay", "sub/c d.txt", "sea"));
    Parallel upper = Parallel.over("images").into("scores").apply((partition, out, ctx) ->
        Files.writeString(out.resolve("upper.txt"), Files.readString(partition.file()).toUpperCase()));

    Run run = ws.submit(pipeline(images, upper)).await();

    assertThat(run.succeeded()).as(run.error()).isTrue();
    assertThat(tree(output(run))).containsExactly(
        Map.entry("part-00000-a.txt/upper.txt", "AY"),
        Map.entry("part-00001-b.txt/upper.txt", "BEE"),
        Map.entry("part-00002-sub_c_d.txt/upper.txt", "SEA"));
    assertThat(run.step("score").metrics())
        .containsEntry("partitions.total", 3.0).containsEntry("partitions.failed", 0.0)
        .containsEntry("partitions.reused", 0.0);
  }

  @Test
  void handsEachFileWithItsNameIndexAndManifestHash(Workspace ws) throws IOException {
    Path images = folder("images", Map.of("a.txt", "ay", "sub/b.txt", "bee"));
    Parallel describe = Parallel.over("images").into("scores").appendRows("partitions.txt").apply(
        (partition, out, ctx) -> Files.writeString(out.resolve("p.txt"), partition.index() + " " + partition.name()
            + " " + partition.file().getFileName() + " " + partition.rows().isPresent() + " "
            + partition.contentHash().equals(sha256(Files.readAllBytes(partition.file())))));

    Run run = ws.submit(pipeline(images, describe)).await();

    assertThat(Files.readString(output(run).resolve("partitions.txt")))
        .isEqualTo("0 a.txt a.txt false true\n1 sub/b.txt b.txt false true\n");
  }

  @Test
  void cutsChunksOfRowsRepeatingTheHeaderAndAppendsTheirRowsInOrder(Workspace ws) throws IOException {
    List<String> lines = new ArrayList<>(List.of("id,x"));
    for (int i = 0; i < 8; i++) {
      lines.add(i + "," + (char) ('a' + i));
    }
    Path table = Files.write(dir.resolve("data.csv"), lines);
    Parallel tag = Parallel.over("images").chunksOf(3).header(true).into("scores").appendRows("tagged.csv", true)
        .maxConcurrency(3)
        .apply((partition, out, ctx) -> {
          List<String> chunk = Files.readAllLines(partition.file());
          Partition.Rows rows = partition.rows().orElseThrow();
          List<String> tagged = new ArrayList<>(List.of(chunk.get(0) + ",chunk"));
          for (String row : chunk.subList(1, chunk.size())) {
            tagged.add(row + "," + partition.name() + " " + rows.source() + " " + rows.first() + " " + rows.count());
          }
          Files.write(out.resolve("tagged.csv"), tagged);
        });

    Run run = ws.submit(pipeline(table, tag)).await();

    assertThat(run.succeeded()).as(run.error()).isTrue();
    assertThat(Files.readAllLines(output(run).resolve("tagged.csv"))).containsExactly(
        "id,x,chunk",
        "0,a,data.csv#0-2 data.csv 0 3", "1,b,data.csv#0-2 data.csv 0 3", "2,c,data.csv#0-2 data.csv 0 3",
        "3,d,data.csv#3-5 data.csv 3 3", "4,e,data.csv#3-5 data.csv 3 3", "5,f,data.csv#3-5 data.csv 3 3",
        "6,g,data.csv#6-7 data.csv 6 2", "7,h,data.csv#6-7 data.csv 6 2");
    assertThat(run.step("score").metrics()).containsEntry("partitions.total", 3.0);
  }

  @Test
  void cutsEachFileOnItsOwnAndReadsGzip(Workspace ws) throws IOException {
    Path tables = Files.createDirectories(dir.resolve("tables"));
    Files.writeString(tables.resolve("a.csv"), "r0\nr1\nr2\nr3\nr4\n");
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(tables.resolve("b.csv.gz")))) {
      out.write("s0\ns1\n".getBytes(StandardCharsets.UTF_8));
    }
    Parallel show = Parallel.over("images").chunksOf(2).into("scores").appendRows("chunks.txt").apply(
        (partition, out, ctx) -> Files.writeString(out.resolve("c.txt"), partition.name() + " "
            + partition.file().getFileName() + " " + String.join("|", Files.readAllLines(partition.file()))));

    Run run = ws.submit(pipeline(tables, show)).await();

    assertThat(Files.readString(output(run).resolve("chunks.txt"))).isEqualTo(
        "a.csv#0-1 a.csv r0|r1\na.csv#2-3 a.csv r2|r3\na.csv#4-4 a.csv r4\nb.csv.gz#0-1 b.csv s0|s1\n");
  }

  @Test
  void keepsEveryByteOfTheRowsSoThatAppendedChunksGiveTheFileBack(Workspace ws) throws IOException {
    String text = "a,1\r\nb,2\r\n\r\nc,3\nd,4"; // CRLF, a blank row, no line break at the end
    Path table = Files.writeString(dir.resolve("t.csv"), text);
    Parallel copy = Parallel.over("images").chunksOf(2).into("scores").appendRows("copy.csv").apply(
        (partition, out, ctx) -> {
          byte[] bytes = Files.readAllBytes(partition.file());
          if (!partition.contentHash().equals(sha256(bytes))) {
            throw new IllegalStateException("content hash " + partition.contentHash() + " is not the chunk's");
          }
          Files.write(out.resolve("copy.csv"), bytes);
        });

    Run run = ws.submit(pipeline(table, copy)).await();

    assertThat(run.succeeded()).as(run.error()).isTrue();
    assertThat(Files.readString(output(run).resolve("copy.csv"))).isEqualTo(text + "\n");
    assertThat(run.step("score").metrics()).containsEntry("partitions.total", 3.0);
  }

  @Test
  void writesByteIdenticalFoldersWhateverTheConcurrency(Workspace one, Workspace other) throws IOException {
    Path images = numbered(12);

    Run serial = one.submit(pipeline(images, slowUpper(1, false))).await();
    Run concurrent = other.submit(pipeline(images, slowUpper(8, false))).await();

    assertThat(tree(output(concurrent))).isEqualTo(tree(output(serial))).hasSize(12);
    // Outputs are stored by content: the same bytes give the same content hash, the last part of the location.
    assertThat(output(concurrent).getFileName()).isEqualTo(output(serial).getFileName());
  }

  @Test
  void appendsByteIdenticalRowsWhateverTheConcurrency(Workspace one, Workspace other) throws IOException {
    Path images = numbered(12);

    Run serial = one.submit(pipeline(images, slowUpper(1, true))).await();
    Run concurrent = other.submit(pipeline(images, slowUpper(8, true))).await();

    assertThat(Files.readAllLines(output(concurrent).resolve("all.txt"))).containsExactly(
        "FILE 00", "FILE 01", "FILE 02", "FILE 03", "FILE 04", "FILE 05", "FILE 06", "FILE 07", "FILE 08", "FILE 09",
        "FILE 10", "FILE 11");
    assertThat(output(concurrent).getFileName()).isEqualTo(output(serial).getFileName());
  }

  @Test
  void keepsTheFirstHeaderOfAppendedRowsAndFailsForAnotherHeader(Workspace ws) throws IOException {
    Path images = folder("images", Map.of("a.txt", "1", "b.txt", "2", "c.txt", "3"));
    Parallel same = Parallel.over("images").into("scores").appendRows("out.csv", true).apply(
        (partition, out, ctx) -> Files.writeString(out.resolve("o.csv"), "n\n" + Files.readString(partition.file())));
    Parallel differing = Parallel.over("images").into("scores").appendRows("out.csv", true).apply(
        (partition, out, ctx) -> Files.writeString(out.resolve("o.csv"),
            (partition.index() == 2 ? "m\n" : "n\n") + Files.readString(partition.file())));

    // Two lambdas of one class in one step of one pipeline cannot be told apart (see docs/reuse.md): two pipelines.
    Run good = ws.submit(pipeline("same", images, same)).await();
    StepRun bad = ws.submit(pipeline("differing", images, differing)).await().step("score");

    assertThat(Files.readString(output(good).resolve("out.csv"))).isEqualTo("n\n1\n2\n3\n");
    assertThat(bad.status()).isEqualTo(StepStatus.FAILED);
    assertThat(bad.error()).isEqualTo("partition 2 'c.txt' wrote the header 'm' in o.csv, not 'n' as partition 0"
        + " 'a.txt' did: rows appended with a header need the same header from every partition");
  }

  // ---- what a partition sees

  @Test
  void readsAnUpstreamDatasetWithTheStepsParametersAndOtherInputs(Workspace ws) throws IOException {
    Path offset = Files.writeString(dir.resolve("offset.txt"), "10");
    Pipeline p = Pipeline.named("upstream").parameter("factor", 3);
    Step numbers = p.prep("numbers").produces("numbers", Dataset.class).runs(ctx -> {
      Files.writeString(ctx.outputDir("numbers").resolve("n1.txt"), "1");
      Files.writeString(ctx.outputDir("numbers").resolve("n2.txt"), "2");
    });
    p.step("times").input("numbers", numbers.dataset("numbers")).input("offset", offset)
        .produces("products", Dataset.class).uses("factor")
        .runs(Parallel.over("numbers").into("products").appendRows("products.txt").apply((partition, out, ctx) -> {
          long n = Long.parseLong(Files.readString(partition.file()));
          long add = Long.parseLong(Files.readString(ctx.input("offset")));
          Files.writeString(out.resolve("p.txt"), Long.toString(n * ctx.longParam("factor") + add));
        }));

    Run run = ws.submit(p).await();

    assertThat(run.succeeded()).as(run.error()).isTrue();
    assertThat(Files.readString(Path.of(run.step("times").outputs().get("products")).resolve("products.txt")))
        .isEqualTo("13\n16\n");
  }

  @Test
  void givesEachPartitionAttemptAScratchFolderOfItsOwn(Workspace ws) throws IOException {
    Path images = numbered(4);
    Parallel scratch = Parallel.over("images").into("scores").appendRows("scratch.txt").apply(
        (partition, out, ctx) -> {
          Path tmp = ctx.tempDir();
          if (!Files.isDirectory(tmp) || Files.list(tmp).findAny().isPresent()) {
            throw new IllegalStateException("scratch folder " + tmp + " is not a new, empty folder");
          }
          Files.writeString(tmp.resolve("mine"), partition.name());
          Files.writeString(out.resolve("s.txt"), tmp.toString());
        });

    Run run = ws.submit(pipeline(images, scratch)).await();

    assertThat(run.succeeded()).as(run.error()).isTrue();
    assertThat(Files.readAllLines(output(run).resolve("scratch.txt"))).hasSize(4).doesNotHaveDuplicates();
  }

  @Test
  void refusesToLetAPartitionWriteIntoTheGatheredOutput(Workspace ws) throws IOException {
    Path images = folder("images", Map.of("a.txt", "ay"));
    Parallel wrong = Parallel.over("images").into("scores").apply(
        (partition, out, ctx) -> Files.writeString(ctx.outputDir("scores").resolve("x.txt"), "x"));

    StepRun step = ws.submit(pipeline(images, wrong)).await().step("score");

    assertThat(step.status()).isEqualTo(StepStatus.FAILED);
    assertThat(step.error()).isEqualTo("1 of 1 partitions failed, more than the error threshold 0: partition 0"
        + " 'a.txt': write into the outputDir handed to the partition function, not into ctx.outputDir(\"scores\"):"
        + " the step gathers the partitions' folders into it");
  }

  @Test
  void runsAFunctionGivenAsAClass(Workspace ws) throws IOException {
    Path images = folder("images", Map.of("a.txt", "ay", "b.txt", "bee"));

    Run run = ws.submit(pipeline(images, Parallel.over("images").into("scores").apply(Reverse.class))).await();

    assertThat(tree(output(run))).containsExactly(
        Map.entry("part-00000-a.txt/r.txt", "ya"), Map.entry("part-00001-b.txt/r.txt", "eeb"));
  }

  // ---- bad input

  @Test
  void failsForAnEmptyInput(Workspace ws) throws IOException {
    Path empty = Files.createDirectories(dir.resolve("empty"));

    StepRun step = ws.submit(pipeline(empty, Parallel.over("images").into("scores").apply(Reverse.class))).await()
        .step("score");

    assertThat(step.status()).isEqualTo(StepStatus.FAILED);
    assertThat(step.error()).isEqualTo("input 'images' is empty: a parallel step needs at least one file to"
        + " partition (" + empty + ")");
  }

  @Test
  void failsForChunksOfFilesWithoutRows(Workspace ws) throws IOException {
    Path tables = folder("tables", Map.of("a.csv", "id,x\n", "b.csv", "id,x"));
    Parallel chunks = Parallel.over("images").chunksOf(10).header(true).into("scores").apply(Reverse.class);

    StepRun step = ws.submit(pipeline(tables, chunks)).await().step("score");

    assertThat(step.error())
        .isEqualTo("input 'images' has no rows to partition: its 2 files are empty or hold only their headers");
  }

  @Test
  void failsForAnInputThatIsNotADataset(Workspace ws) {
    Pipeline p = Pipeline.named("metrics");
    Step measure = p.evaluate("measure").produces("m", Metrics.class)
        .runs(ctx -> ctx.write("m", Map.of("accuracy", 0.9)));
    p.step("score").input("m", measure.metrics("m")).produces("scores", Dataset.class)
        .runs(Parallel.over("m").into("scores").apply(Reverse.class));

    StepRun step = ws.submit(p).await().step("score");

    assertThat(step.status()).isEqualTo(StepStatus.FAILED);
    assertThat(step.error()).isEqualTo("step 'score' input 'm' is a Metrics, not a Dataset");
  }

  @Test
  void failsForAnUndeclaredInputOrOutput(Workspace ws) throws IOException {
    Path images = folder("images", Map.of("a.txt", "ay"));

    StepRun noInput = ws.submit(pipeline(images, Parallel.over("imagez").into("scores").apply(Reverse.class)))
        .await().step("score");
    StepRun noOutput = ws.submit(pipeline(images, Parallel.over("images").into("scorez").apply(Reverse.class)))
        .await().step("score");

    assertThat(noInput.error()).isEqualTo("step 'score' has no input 'imagez' (inputs: images)");
    assertThat(noOutput.error()).isEqualTo("step 'score' has no output 'scorez' (outputs: scores)");
  }

  @Test
  void rejectsBadSettingsWhereTheyAreGiven() {
    Parallel.Builder b = Parallel.over("images");
    assertThatThrownBy(() -> b.maxConcurrency(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxConcurrency must be >= 1, was 0");
    assertThatThrownBy(() -> b.partitionRetries(-1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("partitionRetries must be >= 0, was -1");
    assertThatThrownBy(() -> b.errorThreshold(-2)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("errorThreshold must be >= 0, was -2");
    assertThatThrownBy(() -> b.chunksOf(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("rows per chunk must be >= 1, was 0");
    assertThatThrownBy(() -> Parallel.over(" ")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("input name must not be empty, was ' '");
    assertThatThrownBy(() -> b.into(null)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("output name must not be empty, was null");
    assertThatThrownBy(() -> b.appendRows("rows/all.csv")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("append file must be a file name without folders, was 'rows/all.csv'");
    assertThatThrownBy(() -> b.apply(Reverse.class)).isInstanceOf(IllegalStateException.class)
        .hasMessage("Parallel over 'images' has no output: name the Dataset to gather into with into(\"...\") before"
            + " apply(...)");
    assertThatThrownBy(() -> b.into("scores").header(true).apply(Reverse.class))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("Parallel over 'images': header(true) applies to chunks only: add chunksOf(rows), or drop the"
            + " header");
    assertThatThrownBy(() -> b.into("scores").apply(NoDefaultConstructor.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("partition function class " + NoDefaultConstructor.class.getName()
            + " has no no-argument constructor");
  }

  @Test
  void leavesABuilderUnchangedWhenDerivingAnother() {
    Parallel.Builder base = Parallel.over("images").into("scores");
    Parallel chunked = base.chunksOf(100).header(true).appendRows("all.csv", true).apply(Reverse.class);
    Parallel plain = base.apply(Reverse.class);

    assertThat(plain).hasToString("Parallel over 'images' by file into 'scores' (a folder per partition)");
    assertThat(chunked).hasToString(
        "Parallel over 'images' in chunks of 100 rows with a header into 'scores' (rows appended to all.csv)");
    assertThat(chunked.toBuilder().folderPerPartition().chunksOf(5).header(false).apply(Reverse.class))
        .hasToString("Parallel over 'images' in chunks of 5 rows into 'scores' (a folder per partition)");
  }

  // ---- helpers

  /** Reverses a file's text. */
  static final class Reverse implements PartitionFunction {
    @Override
    public void run(Partition partition, Path outputDir, io.pipewright.StepContext ctx) throws IOException {
      Files.writeString(outputDir.resolve("r.txt"), new StringBuilder(Files.readString(partition.file())).reverse());
    }
  }

  static final class NoDefaultConstructor implements PartitionFunction {
    NoDefaultConstructor(String unused) {}

    @Override
    public void run(Partition partition, Path outputDir, io.pipewright.StepContext ctx) {}
  }

  /**
   * Upper-cases each file; the later the partition, the sooner it ends, so that with several threads partitions
   * finish out of order.
   */
  private static Parallel slowUpper(int concurrency, boolean append) {
    Parallel.Builder b = Parallel.over("images").into("scores").maxConcurrency(concurrency);
    return (append ? b.appendRows("all.txt") : b).apply((partition, out, ctx) -> {
      Thread.sleep(3L * (12 - partition.index()));
      Files.writeString(out.resolve("u.txt"), Files.readString(partition.file()).toUpperCase());
    });
  }

  static Pipeline pipeline(Path input, Parallel body) {
    return pipeline("parallel", input, body);
  }

  static Pipeline pipeline(String name, Path input, Parallel body) {
    Pipeline p = Pipeline.named(name);
    p.step("score").input("images", input).produces("scores", Dataset.class).runs(body);
    return p;
  }

  static Path output(Run run) {
    assertThat(run.step("score").status()).as(String.valueOf(run.step("score")))
        .isIn(StepStatus.SUCCEEDED, StepStatus.REUSED);
    return Path.of(run.step("score").outputs().get("scores"));
  }

  /** Relative path to content of every file under {@code root}, sorted. */
  static Map<String, String> tree(Path root) throws IOException {
    Map<String, String> files = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path file : walk.filter(Files::isRegularFile).toList()) {
        files.put(root.relativize(file).toString().replace('\\', '/'), Files.readString(file));
      }
    }
    return files;
  }

  private Path folder(String name, Map<String, String> files) throws IOException {
    return folder(dir.resolve(name), files);
  }

  static Path folder(Path root, Map<String, String> files) throws IOException {
    Files.createDirectories(root);
    for (Map.Entry<String, String> f : files.entrySet()) {
      Path file = root.resolve(f.getKey());
      Files.createDirectories(file.getParent());
      Files.writeString(file, f.getValue());
    }
    return root;
  }

  /** {@code file00.txt} to {@code file<n-1>.txt}, holding "file 00" and so on. */
  private Path numbered(int n) throws IOException {
    Map<String, String> files = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      files.put(String.format("file%02d.txt", i), String.format("file %02d", i));
    }
    return folder("images", files);
  }

  static String sha256(byte[] bytes) {
    try {
      return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static List<String> logs(Workspace ws, Run run, String level) {
    return ws.runs().logs(run.id(), "score").stream().filter(l -> l.level().equals(level))
        .map(RunEvent.Log::message).toList();
  }
}
