package io.pipewright.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** What one in-process run of the command printed, and its exit code. */
record Invocation(int code, String out, String err) {
  static final ObjectMapper JSON = new ObjectMapper();

  static Invocation of(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Main.run(new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), args);
    return new Invocation(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** Runs the command on a terminal that cannot show symbols such as ✓. */
  static Invocation ascii(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Main.run(new Terminal(new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), false), args);
    return new Invocation(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  List<String> outLines() {
    return out.lines().toList();
  }

  List<String> errLines() {
    return err.lines().toList();
  }

  /** Standard output parsed as exactly one JSON object, failing if anything else is there. */
  JsonNode json() {
    try (var parser = JSON.getFactory().createParser(out)) {
      JsonNode node = JSON.readTree(parser);
      if (node == null || !node.isObject()) {
        throw new AssertionError("standard output is not a JSON object: " + out);
      }
      if (parser.nextToken() != null) {
        throw new AssertionError("standard output has more than one JSON value: " + out);
      }
      if (out.strip().lines().count() != 1) {
        throw new AssertionError("standard output is not one line of JSON: " + out);
      }
      return node;
    } catch (IOException e) {
      throw new UncheckedIOException("standard output is not JSON: " + out, e);
    }
  }

  @Override
  public String toString() {
    return "exit " + code + "\n--- out\n" + out + "--- err\n" + err;
  }
}
