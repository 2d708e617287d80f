/**
 * The {@code spark} compute target and the Spark step API: steps that run in this JVM with a shared
 * {@link org.apache.spark.sql.SparkSession}.
 *
 * <ul>
 *   <li>{@link io.pipewright.compute.spark.SparkTargetProvider}: the target type {@code spark}, found with
 *       {@link java.util.ServiceLoader};
 *   <li>{@link io.pipewright.compute.spark.SparkStep} and {@link io.pipewright.compute.spark.SparkStepBody}: the body
 *       of a step that uses Spark, given the session of the target it runs on ({@link
 *       io.pipewright.compute.spark.Spark#step(Class)} adapts a {@code SparkStep});
 *   <li>{@link io.pipewright.compute.spark.Spark#writeParquet} and {@link io.pipewright.compute.spark.Spark#writeCsv}:
 *       a DataFrame written into an output folder with stable file names, so that its fingerprint depends on its
 *       content only.
 * </ul>
 */
package io.pipewright.compute.spark;
