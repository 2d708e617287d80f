package io.pipewright.examples;

import io.pipewright.StepBody;
import io.pipewright.StepContext;
import io.pipewright.steps.StratifiedSplit;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code prep} step of {@link Digits}: checks each row of the raw data (64 pixels 0..16, then a digit), scales the
 * pixels to 0..1 and splits the rows, stratified by digit, with the pipeline's {@code testFraction} and {@code seed}.
 */
final class PrepareDigits implements StepBody {
  static final int PIXELS = 64;
  private static final int MAX_PIXEL = 16;
  /** The text of each scaled pixel value: k/16 is exact in binary, so its text is the same on every JVM. */
  private static final String[] SCALED = new String[MAX_PIXEL + 1];

  static {
    for (int v = 0; v <= MAX_PIXEL; v++) {
      SCALED[v] = Double.toString(v / (double) MAX_PIXEL);
    }
  }

  // The settings live in this class's code rather than in an instance passed to runs(...), so that they are part of
  // the step's code like the rest of its work.
  private static final StratifiedSplit SPLIT = StratifiedSplit.byColumn(PIXELS).from("digits")
      .mapping(PrepareDigits::scale);

  @Override
  public void run(StepContext ctx) throws IOException {
    ctx.log().info("scaling the {} pixels of each image from 0..{} to 0..1", PIXELS, MAX_PIXEL);
    SPLIT.run(ctx);
  }

  /** One raw row, checked, with its pixels scaled to 0..1. */
  static List<String> scale(List<String> row) {
    if (row.size() != PIXELS + 1) {
      throw new IllegalArgumentException("expected " + (PIXELS + 1) + " fields (" + PIXELS + " pixels and the"
          + " digit), found " + row.size());
    }
    List<String> scaled = new ArrayList<>(row.size());
    for (int i = 0; i < PIXELS; i++) {
      int pixel = parse(row.get(i), "pixel " + i);
      if (pixel < 0 || pixel > MAX_PIXEL) {
        throw new IllegalArgumentException("pixel " + i + " is " + pixel + ", outside 0.." + MAX_PIXEL);
      }
      scaled.add(SCALED[pixel]);
    }
    String digit = row.get(PIXELS);
    if (digit.length() != 1 || digit.charAt(0) < '0' || digit.charAt(0) > '9') {
      throw new IllegalArgumentException("the label is '" + digit + "', not a digit 0-9");
    }
    scaled.add(digit);
    return scaled;
  }

  private static int parse(String field, String what) {
    try {
      return Integer.parseInt(field.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(what + " is '" + field + "', not an integer", e);
    }
  }
}
