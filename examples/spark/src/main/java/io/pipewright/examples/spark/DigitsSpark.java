package io.pipewright.examples.spark;

import io.pipewright.Dataset;
import io.pipewright.Metrics;
import io.pipewright.Model;
import io.pipewright.Pipeline;
import io.pipewright.Step;
import io.pipewright.compute.spark.Spark;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The digits example with its prep step on Spark: {@code prep} ({@link PrepareDigitsOnSpark}, on the logical target
 * {@code spark}) scales the pixels to 0..1 and splits the rows into {@code train} and {@code test} by a seeded hash;
 * {@code train} ({@link TrainSoftmax}) fits a multinomial logistic regression in plain Java; {@code evaluate}
 * ({@link EvaluateSoftmax}) reports its {@code accuracy} on the test rows (about 0.95).
 *
 * <p>Bind {@code spark} in the workspace config ({@code "targets": {"spark": {"type": "spark", "master":
 * "local[2]"}}}) or with {@code Workspace.builder(dir).target("spark", ...)}.
 *
 * <p>Parameters: {@code seed} (42) and {@code testFraction} (0.2) of the split; {@code epochs} (20),
 * {@code learningRate} (0.1) and {@code trainSeed} (12345) of training. Every step is deterministic.
 */
public final class DigitsSpark {
  private DigitsSpark() {}

  /** The pipeline on the shipped data. */
  public static Pipeline pipeline() {
    return pipeline(ExampleData.file("digits/digits.csv.gz"));
  }

  /** The pipeline on another gzip CSV of 64 pixels 0..16 and the digit on each line, without a header. */
  public static Pipeline pipeline(Path data) {
    Objects.requireNonNull(data, "data");
    Pipeline digits = Pipeline.named("digits-spark")
        .parameter("seed", 42)
        .parameter("testFraction", 0.2)
        .parameter("epochs", 20)
        .parameter("learningRate", 0.1)
        .parameter("trainSeed", 12345);
    Step prep = digits.prep("prep")
        .input("digits", data)
        .produces("train", Dataset.class).produces("test", Dataset.class)
        .uses("seed", "testFraction")
        .on("spark")
        .runs(Spark.step(PrepareDigitsOnSpark.class));
    Step train = digits.train("train")
        .input("train", prep.dataset("train"))
        .produces("model", Model.class)
        .uses("epochs", "learningRate", "trainSeed")
        .runs(TrainSoftmax.class);
    digits.evaluate("evaluate")
        .input("model", train.model("model"))
        .input("test", prep.dataset("test"))
        .produces("metrics", Metrics.class)
        .runs(EvaluateSoftmax.class);
    return digits;
  }
}
