package io.pipewright.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class KnnClassifierTest {
  private static final LabelledRows LINE = new LabelledRows(
      new double[][] {{0}, {1}, {2}, {10}, {11}},
      new String[] {"a", "a", "b", "b", "b"});

  @Test
  void predictsTheLabelOfTheNearestRowWhenKIsOne() {
    KnnClassifier knn = new KnnClassifier(1, LINE);

    assertThat(knn.predict(new double[] {0.9})).isEqualTo("a");
    assertThat(knn.predict(new double[] {1.9})).isEqualTo("b");
  }

  @Test
  void predictsTheMajorityOfTheKNearestRows() {
    KnnClassifier knn = new KnnClassifier(3, LINE);

    assertThat(knn.predict(new double[] {0})).isEqualTo("a");
    assertThat(knn.predict(new double[] {9})).isEqualTo("b");
  }

  @Test
  void breaksAVoteTieWithTheNearestNeighbour() {
    KnnClassifier knn = new KnnClassifier(2, LINE);

    assertThat(knn.predict(new double[] {1.6})).isEqualTo("b");
    assertThat(knn.predict(new double[] {1.4})).isEqualTo("a");
  }

  @Test
  void prefersTheEarlierRowAtEqualDistance() {
    KnnClassifier knn = new KnnClassifier(1, LINE);

    assertThat(knn.predict(new double[] {1.5})).isEqualTo("a");
  }

  @Test
  void rejectsAKOutsideOneToTheNumberOfRows() {
    assertThatThrownBy(() -> new KnnClassifier(0, LINE))
        .hasMessage("k must be >= 1 and at most the 5 training rows, was 0");
    assertThatThrownBy(() -> new KnnClassifier(6, LINE))
        .hasMessage("k must be >= 1 and at most the 5 training rows, was 6");
  }
}
