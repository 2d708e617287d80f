package io.pipewright.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pipewright.StepException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.MutableDataset;
import org.tribuo.classification.Label;

class LabelledRowsTest {
  @TempDir
  Path dir;

  @Test
  void readsNumbersAndALabelPerLineSkippingBlankLines() throws IOException {
    Path file = Files.writeString(dir.resolve("rows.csv"), "0.5,1,a\n\n0,0.25,b\n");

    LabelledRows rows = LabelledRows.read(file);

    assertThat(rows.features()).isDeepEqualTo(new double[][] {{0.5, 1}, {0, 0.25}});
    assertThat(rows.labels()).containsExactly("a", "b");
    assertThat(rows.classes()).containsExactly("a", "b");
  }

  @Test
  void failsWithoutRetryingOnAMalformedLineNamingTheFileAndLine() throws IOException {
    Path file = Files.writeString(dir.resolve("rows.csv"), "0.5,1,a\n\n0,x,b\n");

    assertThatThrownBy(() -> LabelledRows.read(file))
        .isInstanceOfSatisfying(StepException.class, e -> assertThat(e.retryable()).isFalse())
        .hasMessage(file + ":3: feature 1 is 'x', not a number");
  }

  @Test
  void namesFeaturesSoThatTheirOrderByNameIsTheColumnOrder() {
    String[] names = LabelledRows.featureNames(64);

    assertThat(names).hasSize(64).startsWith("f00", "f01").endsWith("f63").isSorted();
    assertThat(LabelledRows.featureNames(3)).containsExactly("f0", "f1", "f2");
  }

  @Test
  void convertsToATribuoDatasetWithOneExamplePerRow() {
    LabelledRows rows = new LabelledRows(new double[][] {{0.5, 1}, {0, 0.25}, {1, 1}}, new String[] {"a", "b", "a"});

    MutableDataset<Label> data = rows.toTribuo("three rows");

    assertThat(data.size()).isEqualTo(3);
    assertThat(data.getFeatureMap().keySet()).containsExactlyInAnyOrder("f0", "f1");
    assertThat(data.getExample(1).getOutput().getLabel()).isEqualTo("b");
    assertThat(data.getExample(1).lookup("f1").getValue()).isEqualTo(0.25);
    assertThat(data.getOutputInfo().getDomain()).extracting(Label::getLabel).containsExactlyInAnyOrder("a", "b");
  }
}
