package io.pipewright.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class PrepareDigitsTest {
  @Test
  void scalesPixelsFromZeroToSixteenToZeroToOneAndKeepsTheDigit() {
    List<String> row = new ArrayList<>(Collections.nCopies(64, "0"));
    row.set(0, "16");
    row.set(1, "4");
    row.set(2, "5");
    row.add("7");

    List<String> scaled = PrepareDigits.scale(row);

    assertThat(scaled).hasSize(65);
    assertThat(scaled.subList(0, 4)).containsExactly("1.0", "0.25", "0.3125", "0.0");
    assertThat(scaled.get(64)).isEqualTo("7");
  }

  @Test
  void rejectsARowWithoutSixtyFivefields() {
    assertThatThrownBy(() -> PrepareDigits.scale(Collections.nCopies(64, "0")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("expected 65 fields (64 pixels and the digit), found 64");
  }

  @Test
  void rejectsAPixelOutsideZeroToSixteen() {
    List<String> row = new ArrayList<>(Collections.nCopies(65, "0"));
    row.set(9, "17");

    assertThatThrownBy(() -> PrepareDigits.scale(row)).hasMessage("pixel 9 is 17, outside 0..16");
  }

  @Test
  void rejectsAPixelThatIsNotAnInteger() {
    List<String> row = new ArrayList<>(Collections.nCopies(65, "0"));
    row.set(3, "0.5");

    assertThatThrownBy(() -> PrepareDigits.scale(row)).hasMessage("pixel 3 is '0.5', not an integer");
  }

  @Test
  void rejectsALabelThatIsNotADigit() {
    List<String> row = new ArrayList<>(Collections.nCopies(65, "0"));
    row.set(64, "10");

    assertThatThrownBy(() -> PrepareDigits.scale(row)).hasMessage("the label is '10', not a digit 0-9");
  }
}
