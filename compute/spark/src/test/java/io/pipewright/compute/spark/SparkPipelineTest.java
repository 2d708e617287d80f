package io.pipewright.compute.spark;

import static org.assertj.core.api.Assertions.assertThat;

import io.pipewright.Dataset;
import io.pipewright.Pipeline;
import io.pipewright.Run;
import io.pipewright.RunOptions;
import io.pipewright.RunStatus;
import io.pipewright.Step;
import io.pipewright.StepBody;
import io.pipewright.StepContext;
import io.pipewright.StepStatus;
import io.pipewright.Workspace;
import io.pipewright.WorkspaceConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.api.java.function.ForeachFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pipelines with Spark steps on a {@code spark} target bound by the workspace config. One session serves the class:
 * started here, adopted by each workspace's target, stopped after the last test.
 */
class SparkPipelineTest {
  private static final String CONFIG = """
      {"targets": {"spark": {"type": "spark", "master": "local[2]", "maxConcurrentSteps": 2,
                             "conf": {"spark.sql.shuffle.partitions": 4}}}}""";
  private static SparkSession spark;

  @TempDir
  Path dir;

  @BeforeAll
  static void startSpark() {
    spark = SparkSession.builder().master("local[2]").appName("SparkPipelineTest")
        .config(Map.<String, Object>copyOf(SparkTarget.effectiveConf("local[2]", Map.of("spark.sql.shuffle.partitions", "4"))))
        .getOrCreate();
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  /** Cleans the raw rows: drops those without a value, doubles the rest; CSV for Java, Parquet for the record. */
  public static final class Prep implements SparkStep {
    @Override
    public void run(SparkSession spark, StepContext ctx) {
      org.apache.spark.sql.Dataset<Row> rows = spark.read().option("header", "true").option("inferSchema", "true")
          .csv(ctx.input("raw").toString())
          .filter("value is not null")
          .withColumn("doubled", functions.col("value").multiply(2))
          .orderBy("id").coalesce(1);
      Spark.writeCsv(rows, ctx.outputDir("clean"));
      Spark.writeParquet(rows, ctx.outputDir("table"));
    }
  }

  /** Plain Java: sums the doubled values of the Spark step's CSV. */
  public static final class Sum implements StepBody {
    @Override
    public void run(StepContext ctx) throws IOException {
      long total = 0;
      try (Stream<Path> files = Files.list(ctx.input("clean"))) {
        for (Path file : files.sorted().toList()) {
          List<String> lines = Files.readAllLines(file);
          for (String line : lines.subList(1, lines.size())) {
            String[] cells = line.split(",");
            total += Long.parseLong(cells[2]);
          }
        }
      }
      ctx.metric("total", total);
      ctx.write("summary", Map.of("total", total));
    }
  }

  /** Runs a job of slow tasks until it is cancelled. */
  public static final class Slow implements SparkStep {
    @Override
    public void run(SparkSession spark, StepContext ctx) {
      spark.range(0, 1000, 1, 2).foreach((ForeachFunction<Long>) x -> Thread.sleep(1_000));
    }
  }

  private Path raw() throws IOException {
    Path raw = dir.resolve("raw.csv");
    Files.writeString(raw, "id,value\n3,30\n1,10\n2,\n4,40\n");
    return raw;
  }

  private Workspace workspace() {
    return Workspace.builder(dir.resolve("ws")).config(WorkspaceConfig.parse(CONFIG, "test")).open();
  }

  private Pipeline etl(Path raw) {
    Pipeline p = Pipeline.named("spark-etl");
    Step prep = p.prep("prep").input("raw", raw)
        .produces("clean", Dataset.class).produces("table", Dataset.class)
        .on("spark").runs(Spark.step(Prep.class));
    p.step("sum").input("clean", prep.dataset("clean")).produces("summary", Map.class).runs(Sum.class);
    return p;
  }

  @Test
  void runsASparkPrepStepWhoseDatasetAPlainJavaStepConsumesAndReusesIt() throws IOException {
    Pipeline p = etl(raw());
    try (Workspace ws = workspace()) {
      Run first = ws.submit(p).await();
      assertThat(first.status()).as(String.valueOf(first)).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(first.step("prep").computeTarget()).isEqualTo("spark");
      assertThat(first.step("sum").metrics()).containsEntry("total", 160.0);

      Run second = ws.submit(p).await();
      assertThat(second.step("prep").status()).isEqualTo(StepStatus.REUSED);
      assertThat(second.step("sum").status()).isEqualTo(StepStatus.REUSED);

      Run again = ws.submit(p, RunOptions.defaults().reuse(false)).await();
      assertThat(again.step("prep").status()).isEqualTo(StepStatus.SUCCEEDED);
      assertThat(again.step("prep").outputs()).as("outputs of a run without reuse")
          .isEqualTo(first.step("prep").outputs());
    }
  }

  @Test
  void writesStableFileNamesAndIdenticalBytesForTheSameRows() throws IOException {
    org.apache.spark.sql.Dataset<Row> rows = spark.range(0, 100, 1, 3).withColumn("square",
        functions.col("id").multiply(functions.col("id")));
    for (String run : List.of("a", "b")) {
      Spark.writeParquet(rows, dir.resolve(run).resolve("parquet"));
      Spark.writeCsv(rows, dir.resolve(run).resolve("csv"));
    }

    assertThat(names(dir.resolve("a/parquet"))).containsExactly("part-00000.parquet", "part-00001.parquet",
        "part-00002.parquet");
    assertThat(names(dir.resolve("a/csv"))).containsExactly("part-00000.csv", "part-00001.csv", "part-00002.csv");
    for (String format : List.of("parquet", "csv")) {
      for (String name : names(dir.resolve("a").resolve(format))) {
        assertThat(Files.readAllBytes(dir.resolve("b").resolve(format).resolve(name))).as(name)
            .isEqualTo(Files.readAllBytes(dir.resolve("a").resolve(format).resolve(name)));
      }
    }
    assertThat(Files.readString(dir.resolve("a/csv/part-00000.csv"))).startsWith("id,square\n0,0\n1,1\n");
  }

  @Test
  void aSparkStepOnTheLocalTargetFailsWithOneLine() throws IOException {
    Pipeline p = Pipeline.named("wrong-target");
    p.prep("prep").input("raw", raw()).produces("clean", Dataset.class).runs(Spark.step(Prep.class));
    try (Workspace ws = workspace()) {
      Run run = ws.submit(p).await();

      assertThat(run.status()).isEqualTo(RunStatus.FAILED);
      assertThat(run.step("prep").attempts()).isEqualTo(1);
      assertThat(run.step("prep").error()).isEqualTo("step 'prep' is a Spark step: run it on a target of type"
          + " spark, e.g. .on(\"spark\") with \"spark\": {\"type\": \"spark\"} in the workspace config");
    }
  }

  @Test
  void aTimeoutCancelsTheStepsSparkJobs() throws Exception {
    Pipeline p = Pipeline.named("slow");
    p.step("slow").on("spark").timeout(Duration.ofSeconds(3)).runs(Spark.step(Slow.class));
    try (Workspace ws = workspace()) {
      Run run = ws.submit(p).await();

      assertThat(run.step("slow").status()).isEqualTo(StepStatus.FAILED);
      assertThat(run.step("slow").error()).contains("timed out after");
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (spark.sparkContext().statusTracker().getActiveJobIds().length > 0 && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(spark.sparkContext().statusTracker().getActiveJobIds()).as("Spark jobs still running").isEmpty();
  }

  private static List<String> names(Path folder) throws IOException {
    try (Stream<Path> files = Files.list(folder)) {
      return files.map(f -> f.getFileName().toString()).sorted().collect(Collectors.toList());
    }
  }
}
