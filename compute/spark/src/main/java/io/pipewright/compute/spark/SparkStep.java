package io.pipewright.compute.spark;

import io.pipewright.StepContext;
import org.apache.spark.sql.SparkSession;

/**
 * The work of a step that uses Spark: given the session of the {@code spark} target the step runs on, and the step's
 * context. Inputs are local files or folders ({@code ctx.input("raw")}), which Spark reads as they are; write outputs
 * with {@link Spark#writeParquet} or {@link Spark#writeCsv} into {@code ctx.outputDir(name)}.
 *
 * <pre>{@code
 * public final class Prep implements SparkStep {
 *   public void run(SparkSession spark, StepContext ctx) {
 *     Dataset<Row> rows = spark.read().option("header", true).csv(ctx.input("raw").toString());
 *     Spark.writeParquet(rows.filter("label is not null").orderBy("id"), ctx.outputDir("clean"));
 *   }
 * }
 *
 * pipeline.prep("prep").input("raw", file).produces("clean", Dataset.class).on("spark").runs(Spark.step(Prep.class));
 * }</pre>
 *
 * <p>The session is shared by every step on the target: set SQL options per query rather than on the session, and do
 * not stop it. Cancellation and timeouts cancel the attempt's Spark jobs and interrupt its thread.
 */
@FunctionalInterface
public interface SparkStep {
  void run(SparkSession spark, StepContext ctx) throws Exception;
}
