package io.pipewright.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the digits pipeline as users do, through the command line in a JVM of its own, and reads its {@code --json}
 * output as a script would. The process starts in a folder of its own, so that nothing depends on the module's folder.
 */
class DigitsCliTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  @Test
  void runsDigitsFromTheCommandLineAndPrintsOneJsonObject() throws Exception {
    Path workspace = dir.resolve("ws");

    JsonNode run = succeeding("run", "digits", "--json", "--workspace", workspace.toString());

    assertThat(run.path("runId").asText()).isNotBlank();
    assertThat(run.path("pipeline").asText()).isEqualTo("digits");
    assertThat(run.path("status").asText()).isEqualTo("SUCCEEDED");
    List<String> names = new ArrayList<>();
    for (JsonNode step : run.path("steps")) {
      assertThat(step.fieldNames()).toIterable()
          .contains("name", "kind", "status", "computeTarget", "durationMs", "outputs", "metrics");
      assertThat(step.path("status").asText()).as(step.toString()).isEqualTo("SUCCEEDED");
      assertThat(step.path("kind").asText()).isEqualTo(step.path("name").asText());
      assertThat(step.path("computeTarget").asText()).isEqualTo("local");
      assertThat(step.path("durationMs").isIntegralNumber()).isTrue();
      names.add(step.path("name").asText());
    }
    assertThat(names).containsExactly("prep", "train", "evaluate", "deploy");
    assertThat(step(run, "prep").path("outputs").fieldNames()).toIterable().containsExactlyInAnyOrder("train", "test");
    assertThat(step(run, "evaluate").path("metrics").path("accuracy").asDouble()).isGreaterThanOrEqualTo(0.90);
    assertThat(workspace.resolve("pipewright.db")).isRegularFile();

    // The same run again in another JVM, reusing nothing, gives the same bytes and figures.
    JsonNode again = succeeding("run", "digits", "--json", "--no-reuse", "--workspace", workspace.toString());

    for (String name : List.of("prep", "train", "evaluate")) {
      assertThat(step(again, name).path("status").asText()).as(name).isEqualTo("SUCCEEDED");
      // Outputs are stored by content: equal bytes, equal paths.
      assertThat(step(again, name).path("outputs")).as(name).isEqualTo(step(run, name).path("outputs"));
      assertThat(step(again, name).path("metrics")).as(name).isEqualTo(step(run, name).path("metrics"));
    }
  }

  @Test
  void passesParametersGivenOnTheCommandLine() throws Exception {
    JsonNode run = succeeding("run", "digits", "--json", "--workspace", dir.resolve("ws").toString(),
        "--param", "epochs=5", "--param", "trainSeed=7");

    assertThat(run.path("parameters").path("epochs").asInt()).isEqualTo(5);
    assertThat(run.path("parameters").path("trainSeed").asInt()).isEqualTo(7);
    assertThat(step(run, "evaluate").path("metrics").path("accuracy").asDouble()).isGreaterThanOrEqualTo(0.90);
    // The release repeats how its model was trained.
    JsonNode release = JSON.readTree(Path.of(step(run, "deploy").path("outputs").path("release").asText()).toFile())
        .path("value");
    assertThat(release.path("epochs").asInt()).isEqualTo(5);
    assertThat(release.path("trainSeed").asInt()).isEqualTo(7);
  }

  private record Result(int exitCode, String stdout, String stderr) {}

  /** Runs {@code io.pipewright.cli.Main} with this test's classpath, which holds the examples and the command line. */
  private Result pipewright(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), "io.pipewright.cli.Main"));
    command.addAll(List.of(args));
    Path cwd = Files.createDirectories(dir.resolve("cwd"));
    Path out = Files.createTempFile(dir, "stdout", ".txt");
    Path err = Files.createTempFile(dir, "stderr", ".txt");
    Process process = new ProcessBuilder(command).directory(cwd.toFile())
        .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!process.waitFor(2, TimeUnit.MINUTES)) {
      process.destroyForcibly().waitFor();
      throw new AssertionError("pipewright " + String.join(" ", args) + " did not end within 2 minutes; stderr:\n"
          + Files.readString(err, StandardCharsets.UTF_8));
    }
    return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  /** Runs the command, checks that it exited with 0, and returns the one JSON object it printed. */
  private JsonNode succeeding(String... args) throws IOException, InterruptedException {
    Result result = pipewright(args);
    assertThat(result.exitCode()).as("exit code of pipewright %s; stderr:%n%s", String.join(" ", args),
        result.stderr()).isZero();
    return onlyObject(result.stdout());
  }

  private static JsonNode onlyObject(String stdout) throws IOException {
    List<JsonNode> values = new ArrayList<>();
    try (MappingIterator<JsonNode> it = JSON.readerFor(JsonNode.class).readValues(stdout)) {
      it.forEachRemaining(values::add);
    }
    assertThat(values).as("stdout:\n%s", stdout).hasSize(1);
    assertThat(values.get(0).isObject()).as(stdout).isTrue();
    return values.get(0);
  }

  private static JsonNode step(JsonNode run, String name) {
    for (JsonNode step : run.path("steps")) {
      if (step.path("name").asText().equals(name)) {
        return step;
      }
    }
    throw new AssertionError("no step '" + name + "' in " + run);
  }
}
