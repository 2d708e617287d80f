package io.pipewright.examples;

import io.pipewright.Dataset;
import io.pipewright.Metrics;
import io.pipewright.Model;
import io.pipewright.Pipeline;
import io.pipewright.Step;
import java.util.Map;

/**
 * The digits example: recognises handwritten digits (8x8 images of the UCI optdigits set, shipped with this module)
 * with a k-nearest-neighbours classifier, in the four steps of a typical ML workflow.
 *
 * <ul>
 *   <li>{@code prep}: scales the pixels from 0..16 to 0..1 and splits the rows into {@code train} and {@code test},
 *       stratified by digit;
 *   <li>{@code train}: a k-nearest-neighbours {@code model};
 *   <li>{@code evaluate}: accuracy and per-digit precision and recall on the test rows ({@code metrics}), and the
 *       {@code confusion} matrix;
 *   <li>{@code deploy}: releases the model when its accuracy reaches {@code minAccuracy}: a {@code release} record of
 *       its manifest hash and accuracy. Nothing serves it yet.
 * </ul>
 *
 * <p>Parameters: {@code seed} (42) and {@code testFraction} (0.2) of the split, {@code k} (3) of the classifier,
 * {@code minAccuracy} (0.9) of the release. From the command line, {@code ./pipewright run digits --param k=5}; from
 * Java:
 *
 * <pre>{@code
 * try (Workspace ws = Workspace.temporary()) {
 *   Run run = ws.submit(Digits.pipeline(), Map.of("k", 5)).await();
 *   System.out.println(run.step("evaluate").metrics().get("accuracy"));
 * }
 * }</pre>
 */
public final class Digits {
  private Digits() {}

  /** A fresh definition of the pipeline; its data file is ready when this returns. */
  public static Pipeline pipeline() {
    Pipeline digits = Pipeline.named("digits")
        .parameter("seed", 42)
        .parameter("testFraction", 0.2)
        .parameter("k", 3)
        .parameter("minAccuracy", 0.9);

    Step prep = digits.prep("prep")
        .input("digits", ExampleData.file("digits/digits.csv.gz"))
        .produces("train", Dataset.class).produces("test", Dataset.class)
        .uses("testFraction", "seed")
        .runs(PrepareDigits.class);

    Step train = digits.train("train")
        .input("train", prep.dataset("train"))
        .produces("model", Model.class)
        .uses("k")
        .runs(TrainKnn.class);

    Step evaluate = digits.evaluate("evaluate")
        .input("model", train.model("model"))
        .input("test", prep.dataset("test"))
        .produces("metrics", Metrics.class).produces("confusion", Map.class)
        .runs(EvaluateClassifier.class);

    digits.deploy("deploy")
        .input("model", train.model("model"))
        .input("metrics", evaluate.metrics("metrics"))
        .produces("release", Map.class)
        .uses("minAccuracy")
        .runs(ReleaseModel.class);
    return digits;
  }
}
