package io.pipewright.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/testing.md shows DigitsPipelineTest as it is: the guide's example compiles and passes. */
class TestingGuideTest {
  @Test
  void theGuideShowsTheDigitsPipelineTestAsItIs() throws IOException {
    String source = Files.readString(Path.of("src/test/java/io/pipewright/examples/DigitsPipelineTest.java"));
    String guide = Files.readString(Path.of("../docs/testing.md"));

    String shown = source.substring(source.indexOf("import static"));
    assertThat(guide).as("docs/testing.md should show DigitsPipelineTest from its imports on").contains(shown);
  }
}
