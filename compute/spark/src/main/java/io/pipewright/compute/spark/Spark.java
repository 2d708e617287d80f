package io.pipewright.compute.spark;

import io.pipewright.StepBody;
import io.pipewright.StepContext;
import io.pipewright.StepException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * Entry points of the Spark step API: step bodies from {@link SparkStep}s, the session of the running step, and
 * DataFrames written as step outputs with stable file names.
 *
 * <pre>{@code
 * pipeline.prep("prep").input("raw", file).produces("clean", Dataset.class)
 *     .on("spark")                       // bound to a target of type spark in the workspace config
 *     .runs(Spark.step(Prep.class));     // Prep implements SparkStep
 * }</pre>
 *
 * <p>A Spark step run on a target of another type fails with {@code step 'prep' is a Spark step: run it on a target
 * of type spark, ...} (not retried).
 */
public final class Spark {
  private Spark() {}

  /**
   * A step body that instantiates {@code type} through its public no-argument constructor for each attempt and runs
   * it with the target's session. The class is part of the step's code fingerprint, as with {@code .runs(Class)}.
   */
  public static StepBody step(Class<? extends SparkStep> type) {
    Objects.requireNonNull(type, "spark step class");
    try {
      type.getConstructor();
    } catch (NoSuchMethodException e) {
      throw new IllegalArgumentException("spark step class " + type.getName()
          + " needs a public no-argument constructor");
    }
    return new ClassSparkStep(type);
  }

  /**
   * A step body running {@code step} (an instance or lambda, shared by all attempts) with the target's session. Its
   * fields (a lambda's captured values) are fingerprinted as a body instance's are.
   */
  public static StepBody step(SparkStep step) {
    return new InstanceSparkStep(Objects.requireNonNull(step, "spark step"));
  }

  /**
   * The session of the {@code spark} target running this step, created when first asked for; the attempt's Spark jobs
   * are put in a job group of their own, which cancellation cancels. Call it on the thread running the step.
   *
   * @throws StepException (not retryable) when the step does not run on a target of type {@code spark}
   * @throws java.util.concurrent.CancellationException when the attempt was cancelled
   */
  public static SparkSession session(StepContext ctx) {
    SparkAttempt attempt = SparkAttempt.current();
    if (attempt == null) {
      throw StepException.nonRetryable("step '" + ctx.stepName() + "' is a Spark step: run it on a target of type"
          + " spark, e.g. .on(\"spark\") with \"spark\": {\"type\": \"spark\"} in the workspace config");
    }
    return attempt.session();
  }

  /**
   * Writes {@code rows} into {@code dir} (a step's {@code ctx.outputDir(name)}) as Parquet (Snappy), one file per
   * non-empty partition, named {@code part-00000.parquet}, {@code part-00001.parquet}, ... in partition order, and
   * nothing else: no {@code _SUCCESS}, no {@code .crc}, no job id in a name. The same rows in the same partitions
   * give the same bytes with the same Spark version; sort ({@code orderBy}) before writing, and {@code coalesce(1)}
   * for a single file, when the partitioning of the rows may vary (after a shuffle it does).
   */
  public static void writeParquet(Dataset<Row> rows, Path dir) {
    write(rows, dir, "parquet", "parquet");
  }

  /**
   * Writes {@code rows} into {@code dir} as CSV with a header line in each file, as {@link #writeParquet} does:
   * {@code part-00000.csv}, ... in partition order, and nothing else.
   */
  public static void writeCsv(Dataset<Row> rows, Path dir) {
    write(rows, dir, "csv", "csv");
  }

  private static void write(Dataset<Row> rows, Path dir, String format, String extension) {
    Objects.requireNonNull(rows, "rows");
    Objects.requireNonNull(dir, "dir");
    Path staging = null;
    try {
      Files.createDirectories(dir);
      staging = Files.createTempDirectory(dir, ".spark-write-");
      Path out = staging.resolve("out");
      var writer = rows.write().mode(SaveMode.ErrorIfExists).format(format);
      if (format.equals("csv")) {
        writer = writer.option("header", "true");
      }
      writer.save(out.toUri().toString());
      List<Path> parts;
      try (Stream<Path> files = Files.list(out)) {
        // part-NNNNN-<job uuid>-cNNN...: the job's one uuid is common to all, so the name orders by partition.
        parts = files.filter(p -> p.getFileName().toString().startsWith("part-"))
            .sorted(Comparator.comparing(p -> p.getFileName().toString())).toList();
      }
      for (int i = 0; i < parts.size(); i++) {
        Files.move(parts.get(i), dir.resolve(String.format("part-%05d.%s", i, extension)));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + format + " into " + dir, e);
    } finally {
      if (staging != null) {
        deleteTree(staging);
      }
    }
  }

  private static void deleteTree(Path root) {
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete Spark's staging folder " + root, e);
    }
  }

  /** {@link #step(Class)}: the class is a field, so the fingerprint covers its code. */
  private static final class ClassSparkStep implements StepBody {
    private final Class<? extends SparkStep> type;

    ClassSparkStep(Class<? extends SparkStep> type) {
      this.type = type;
    }

    @Override
    public void run(StepContext ctx) throws Exception {
      SparkSession session = session(ctx);
      SparkStep step;
      try {
        step = type.getConstructor().newInstance();
      } catch (InvocationTargetException e) {
        throw new StepException("step '" + ctx.stepName() + "': " + type.getName() + "'s constructor failed: "
            + e.getCause(), e.getCause());
      }
      step.run(session, ctx);
    }
  }

  /** {@link #step(SparkStep)}: the instance is a field, so the fingerprint covers its state and code. */
  private static final class InstanceSparkStep implements StepBody {
    private final SparkStep step;

    InstanceSparkStep(SparkStep step) {
      this.step = step;
    }

    @Override
    public void run(StepContext ctx) throws Exception {
      step.run(session(ctx), ctx);
    }
  }
}
