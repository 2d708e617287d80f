package io.pipewright.examples;

import io.pipewright.Condition;
import io.pipewright.Dataset;
import io.pipewright.Metrics;
import io.pipewright.Model;
import io.pipewright.Pipeline;
import io.pipewright.Step;
import io.pipewright.steps.Script;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * The digits example: recognises handwritten digits (8x8 images of the UCI optdigits set, shipped with this module)
 * with a logistic regression trained by <a href="https://tribuo.org">Tribuo</a>, in the four steps of a typical ML
 * workflow.
 *
 * <ul>
 *   <li>{@code prep}: checks each row, scales the pixels from 0..16 to 0..1 and splits the rows into {@code train}
 *       and {@code test}, stratified by digit ({@link PrepareDigits}); a malformed row fails the step with its file
 *       and line;
 *   <li>{@code train}: a multinomial logistic regression {@code model}, trained with stochastic gradient descent
 *       ({@link TrainLogisticRegression}), stored in Tribuo's protobuf format;
 *   <li>{@code evaluate}: accuracy, per-digit precision and recall ({@code precision.3}, {@code recall.3}) and macro
 *       F1 on the test rows ({@code metrics}), and the {@code confusion} matrix ({@link EvaluateClassifier});
 *   <li>{@code deploy}: releases the model, only when its accuracy reaches {@code minAccuracy} (a condition: below
 *       it the step is SKIPPED with the reason, and the run still succeeds): a {@code release} record of its
 *       manifest hash and accuracy ({@link ReleaseModel}). Nothing serves it yet.
 * </ul>
 *
 * <p>Parameters: {@code seed} (42) and {@code testFraction} (0.2) of the split; {@code epochs} (10),
 * {@code learningRate} (1.0), {@code minibatchSize} (1) and {@code trainSeed} (12345) of training, which only the
 * {@code train} step uses, so changing one re-runs training and what follows it but reuses the split (the defaults are
 * those of Tribuo's {@code LogisticRegressionTrainer}, but for 10 epochs rather than 5: about 0.97 accuracy);
 * {@code minAccuracy} (0.9) of the release. Every step is deterministic: the same parameters give the same files and
 * metrics. From the command line, {@code ./pipewright run digits --param epochs=20}; from Java:
 *
 * <pre>{@code
 * try (Workspace ws = Workspace.temporary()) {
 *   Run run = ws.submit(Digits.pipeline(), Map.of("epochs", 20)).await();
 *   System.out.println(run.step("evaluate").metrics().get("accuracy"));
 * }
 * }</pre>
 */
public final class Digits {
  private Digits() {}

  /** A fresh definition of the pipeline on the shipped data; its data file is ready when this returns. */
  public static Pipeline pipeline() {
    return pipeline(ExampleData.file("digits/digits.csv.gz"));
  }

  /**
   * A fresh definition of the pipeline on another file of the same form: a CSV, plain or gzip, without a header, of
   * 64 pixels 0..16 and then the digit on each line.
   */
  public static Pipeline pipeline(Path data) {
    Objects.requireNonNull(data, "data");
    Pipeline digits = withParameters("digits");
    Step prep = digits.prep("prep")
        .input("digits", data)
        .produces("train", Dataset.class).produces("test", Dataset.class)
        .uses("testFraction", "seed")
        .runs(PrepareDigits.class);
    return withModelSteps(digits, prep);
  }

  /**
   * The same pipeline, {@code digits-script}, with its prep step done by a Python script (standard library only,
   * shipped with this module as {@code digits-script/prep.py}) through the script step: a mixed-language pipeline.
   */
  public static Pipeline withScriptPrep() {
    return withScriptPrep(ExampleData.file("digits/digits.csv.gz"));
  }

  /** {@link #withScriptPrep()} on another file of the same form. */
  public static Pipeline withScriptPrep(Path data) {
    Objects.requireNonNull(data, "data");
    Pipeline digits = withParameters("digits-script");
    Step prep = digits.prep("prep")
        .input("digits", data)
        .produces("train", Dataset.class).produces("test", Dataset.class)
        .uses("testFraction", "seed")
        .runs(Script.python("prep.py", "--data", "{input:digits}", "--train", "{output:train}",
                "--test", "{output:test}", "--test-fraction", "{param:testFraction}", "--seed", "{param:seed}")
            .sourceFolder(ExampleData.folder("digits-script", "prep.py")));
    return withModelSteps(digits, prep);
  }

  private static Pipeline withParameters(String name) {
    return Pipeline.named(name)
        .parameter("seed", 42)
        .parameter("testFraction", 0.2)
        .parameter("epochs", 10)
        .parameter("learningRate", 1.0)
        .parameter("minibatchSize", 1)
        .parameter("trainSeed", 12345)
        .parameter("minAccuracy", 0.9);
  }

  /** train, evaluate and deploy, on the {@code train} and {@code test} datasets of {@code prep}. */
  private static Pipeline withModelSteps(Pipeline digits, Step prep) {
    Step train = digits.train("train")
        .input("train", prep.dataset("train"))
        .produces("model", Model.class)
        .uses("epochs", "learningRate", "minibatchSize", "trainSeed")
        .runs(TrainLogisticRegression.class);

    Step evaluate = digits.evaluate("evaluate")
        .input("model", train.model("model"))
        .input("test", prep.dataset("test"))
        .produces("metrics", Metrics.class).produces("confusion", Map.class)
        .runs(EvaluateClassifier.class);

    digits.deploy("deploy")
        .input("model", train.model("model"))
        .input("metrics", evaluate.metrics("metrics"))
        .when(Condition.metric(evaluate.metrics("metrics"), "accuracy").atLeast("minAccuracy"))
        .produces("release", Map.class)
        .runs(ReleaseModel.class);
    return digits;
  }
}
