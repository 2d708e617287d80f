package io.pipewright.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExampleDataTest {
  @TempDir
  Path cache;

  @Test
  void copiesTheResourceToAFileNamedByItsHash() throws IOException {
    Path file = ExampleData.file("digits/digits.csv.gz", cache);

    assertThat(file.getFileName()).hasToString("digits.csv.gz");
    assertThat(file.getParent().getFileName().toString()).matches("[0-9a-f]{64}");
    assertThat(Files.readAllBytes(file)).isEqualTo(resource("digits/digits.csv.gz"));
    try (var files = Files.list(file.getParent())) {
      assertThat(files).containsExactly(file);
    }
  }

  @Test
  void reusesTheCopyOnLaterCalls() throws IOException {
    Path first = ExampleData.file("digits/digits.csv.gz", cache);
    var modified = Files.getLastModifiedTime(first);

    Path second = ExampleData.file("digits/digits.csv.gz", cache);

    assertThat(second).isEqualTo(first);
    assertThat(Files.getLastModifiedTime(second)).isEqualTo(modified);
  }

  @Test
  void replacesACopyWhoseContentIsWrong() throws IOException {
    Path file = ExampleData.file("digits/digits.csv.gz", cache);
    Files.writeString(file, "truncated");

    Path again = ExampleData.file("digits/digits.csv.gz", cache);

    assertThat(again).isEqualTo(file);
    assertThat(Files.readAllBytes(again)).isEqualTo(resource("digits/digits.csv.gz"));
  }

  @Test
  void shipsTheLicenceAndAttributionBesideTheData() throws IOException {
    assertThat(new String(resource("digits/LICENSE-sklearn.txt"))).contains("BSD 3-Clause License",
        "Copyright (c) 2007-2019 Scikit-Learn Developers.");
    assertThat(new String(resource("digits/README.md"))).contains("scikit-learn", "LICENSE-sklearn.txt");
    assertThat(new String(resource("digits/digits.rst"))).contains("Optical recognition of handwritten digits");
  }

  private static byte[] resource(String name) throws IOException {
    try (InputStream in = ExampleData.class.getResourceAsStream(name)) {
      assertThat(in).as(name).isNotNull();
      return in.readAllBytes();
    }
  }
}
