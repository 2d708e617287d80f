package io.pipewright.examples;

import io.pipewright.Dataset;
import io.pipewright.StepBody;
import io.pipewright.StepContext;
import io.pipewright.StepException;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tribuo.MutableDataset;
import org.tribuo.Tribuo;
import org.tribuo.classification.Label;
import org.tribuo.classification.sgd.linear.LinearSGDModel;
import org.tribuo.classification.sgd.linear.LinearSGDTrainer;
import org.tribuo.classification.sgd.objectives.LogMulticlass;
import org.tribuo.math.optimisers.AdaGrad;

/**
 * The {@code train} step of {@link Digits}: a multinomial logistic regression on the {@code train} rows, trained by
 * Tribuo with stochastic gradient descent and AdaGrad (Tribuo's {@code LogisticRegressionTrainer}, with its settings
 * made parameters), written as the {@code model} output, one file that {@link TribuoModelFile} describes.
 *
 * <p>Pipeline parameters: {@code epochs} (passes over the rows), {@code learningRate} (AdaGrad's initial rate),
 * {@code minibatchSize} (rows a gradient step averages) and {@code trainSeed} (the generator that shuffles the rows
 * before each epoch, and so makes training repeatable: the same rows and parameters give the same model file).
 */
final class TrainLogisticRegression implements StepBody {
  static final String ALGORITHM = "logistic-regression";
  /** AdaGrad's epsilon, as Tribuo's {@code LogisticRegressionTrainer} sets it. */
  private static final double ADAGRAD_EPSILON = 0.1;
  /** Tribuo's trainers log the loss every this many steps unless told -1: not at all. */
  private static final int NO_LOSS_LOGGING = -1;

  @Override
  public void run(StepContext ctx) throws IOException {
    int epochs = ctx.intParam("epochs");
    double learningRate = ctx.doubleParam("learningRate");
    int minibatchSize = ctx.intParam("minibatchSize");
    long seed = ctx.longParam("trainSeed");
    if (epochs < 1) {
      throw StepException.nonRetryable("parameter 'epochs' must be >= 1, was " + epochs);
    }
    if (!(learningRate > 0 && Double.isFinite(learningRate))) {
      throw StepException.nonRetryable("parameter 'learningRate' must be a number > 0, was " + learningRate);
    }
    if (minibatchSize < 1) {
      throw StepException.nonRetryable("parameter 'minibatchSize' must be >= 1, was " + minibatchSize);
    }

    Dataset train = ctx.dataset("train");
    LabelledRows rows = LabelledRows.read(train.singleFile());
    // The manifest hash names the rows exactly, and unlike a path it is the same in every run.
    MutableDataset<Label> data = rows.toTribuo("digits train rows " + train.manifestHash());

    TribuoLogging.redirect();
    // A new trainer each time: a Tribuo trainer advances its generator with every model it trains.
    LinearSGDTrainer trainer = new LinearSGDTrainer(new LogMulticlass(), new AdaGrad(learningRate, ADAGRAD_EPSILON),
        epochs, NO_LOSS_LOGGING, minibatchSize, seed);
    LinearSGDModel model = trainer.train(data);
    TribuoModelFile.write(model, ctx.outputDir("model"));

    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("framework", "tribuo");
    metadata.put("frameworkVersion", Tribuo.VERSION);
    metadata.put("algorithm", ALGORITHM);
    metadata.put("file", TribuoModelFile.NAME);
    metadata.put("format", TribuoModelFile.FORMAT);
    metadata.put("epochs", epochs);
    metadata.put("learningRate", learningRate);
    metadata.put("minibatchSize", minibatchSize);
    metadata.put("trainSeed", seed);
    metadata.put("features", rows.width());
    metadata.put("labels", List.copyOf(rows.classes()));
    metadata.put("trainingRows", rows.size());
    ctx.modelMetadata("model", metadata);
    ctx.log().info("trained {} with Tribuo {} (epochs={}, learningRate={}, minibatchSize={}, trainSeed={}) on {} rows"
        + " of {} features, {} labels", ALGORITHM, Tribuo.VERSION, epochs, learningRate, minibatchSize, seed,
        rows.size(), rows.width(), rows.classes().size());
  }
}
