package io.pipewright.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pipewright.StepException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.classification.sgd.linear.LinearSGDModel;
import org.tribuo.classification.sgd.linear.LinearSGDTrainer;
import org.tribuo.classification.sgd.objectives.LogMulticlass;
import org.tribuo.impl.ArrayExample;
import org.tribuo.math.optimisers.AdaGrad;

class TribuoModelFileTest {
  /** Two clusters on a line, and a third label off it. */
  private static final LabelledRows ROWS = new LabelledRows(
      new double[][] {{0, 0}, {0.1, 0}, {0.2, 0.1}, {1, 0}, {0.9, 0.1}, {1, 0.2}, {0.5, 1}, {0.4, 0.9}},
      new String[] {"a", "a", "a", "b", "b", "b", "c", "c"});

  @TempDir
  Path dir;

  @Test
  void writesEqualBytesForEqualTrainings() throws IOException {
    Path first = TribuoModelFile.write(train(), Files.createDirectory(dir.resolve("first")));
    Path second = TribuoModelFile.write(train(), Files.createDirectory(dir.resolve("second")));

    assertThat(first.getFileName()).hasToString("model.tribuo");
    assertThat(Files.readAllBytes(second)).isEqualTo(Files.readAllBytes(first));
  }

  @Test
  void readsBackAModelThatPredictsAsTheTrainedOne() throws IOException {
    LinearSGDModel trained = train();

    Model<Label> read = TribuoModelFile.read(TribuoModelFile.write(trained, dir));

    for (double[] row : ROWS.features()) {
      var example = new ArrayExample<>(LabelFactory.UNKNOWN_LABEL, LabelledRows.featureNames(2), row);
      assertThat(read.predict(example).getOutput()).isEqualTo(trained.predict(example).getOutput());
      assertThat(read.predict(example).getOutputScores()).isEqualTo(trained.predict(example).getOutputScores());
    }
  }

  @Test
  void pinsTheTrainingTimeAndLeavesTheSystemOutOfTheProvenance() throws IOException {
    Model<Label> read = TribuoModelFile.read(TribuoModelFile.write(train(), dir));

    assertThat(read.getProvenance().getTrainingTime().toInstant()).isEqualTo(Instant.EPOCH);
    assertThat(read.getProvenance().getJavaVersion()).isNotEqualTo(System.getProperty("java.version"));
    assertThat(read.getProvenance().getDatasetProvenance().getSourceProvenance().toString())
        .contains("rows under test");
    assertThat(read.getProvenance().getTrainerProvenance().toString()).contains("LogMulticlass", "AdaGrad");
  }

  @Test
  void failsWithoutRetryingOnAFileThatIsNotATribuoModel() throws IOException {
    Path file = Files.writeString(dir.resolve("model.tribuo"), "not a model");

    assertThatThrownBy(() -> TribuoModelFile.read(file))
        .isInstanceOfSatisfying(StepException.class, e -> assertThat(e.retryable()).isFalse())
        .hasMessageStartingWith(file + ": not a Tribuo model (");
  }

  private static LinearSGDModel train() {
    MutableDataset<Label> data = ROWS.toTribuo("rows under test");
    return new LinearSGDTrainer(new LogMulticlass(), new AdaGrad(1.0, 0.1), 20, -1, 1, 7).train(data);
  }
}
