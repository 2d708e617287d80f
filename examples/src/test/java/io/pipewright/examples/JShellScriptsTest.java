package io.pipewright.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The notebooks in {@code examples/jshell} keep working: each runs through {@code pipewright jshell FILE} in a JVM of
 * its own, with this module's class path (the examples and the command line), as the launcher runs it.
 */
class JShellScriptsTest {
  private static final Path SCRIPTS = Path.of("jshell");
  /** Each script's result, so that a script checked by several tests runs once. */
  private static final Map<Path, Result> RESULTS = new ConcurrentHashMap<>();

  @TempDir
  Path dir;

  @TestFactory
  Stream<DynamicTest> everyScriptRunsWithoutAnError() throws IOException {
    List<Path> scripts;
    try (Stream<Path> files = Files.list(SCRIPTS)) {
      scripts = files.filter(f -> f.toString().endsWith(".jsh")).sorted().toList();
    }
    assertThat(scripts).as("scripts in %s", SCRIPTS.toAbsolutePath()).isNotEmpty();
    return scripts.stream().map(script -> DynamicTest.dynamicTest(script.getFileName().toString(), () -> {
      Result result = script(script);

      assertThat(result.exitCode()).as("exit code of %s; stderr:%n%s", script, result.stderr()).isZero();
      assertThat(result.stderr()).as("stderr of %s", script).doesNotContain("pipewright:");
    }));
  }

  @Test
  void theDigitsNotebookShowsTheRunsAndWhichStepsRanAgain() throws Exception {
    Result result = script(SCRIPTS.resolve("digits.jsh"));

    assertThat(result.exitCode()).as(result.stderr()).isZero();
    List<String> lines = result.stdout().lines().toList();
    assertThat(lines).contains("  deploy    deploy   <- train, evaluate when accuracy >= minAccuracy")
        .anyMatch(l -> l.matches("Run [0-9a-f]{8} digits SUCCEEDED in .*"))
        .anyMatch(l -> l.matches("  ✓ evaluate  evaluate  .* accuracy=0\\.9\\d* f1_macro=0\\.9\\d* .*"))
        .anyMatch(l -> l.matches("  ↺ prep      prep      reused from [0-9a-f]{8}"))
        .anyMatch(l -> l.startsWith("evaluate: {accuracy=0.9"))
        .anyMatch(l -> l.matches("prep      reused from run [0-9a-f]{8}"))
        .contains("train     ran: SUCCEEDED", "evaluate  ran: SUCCEEDED", "deploy    ran: SUCCEEDED")
        .anyMatch(l -> l.matches("accuracy: 0\\.9\\d{3} with 10 epochs, 0\\.9\\d{3} with 5"));
  }

  @Test
  void aBrokenScriptExitsWithStatus1NamingItsFileAndLine() throws Exception {
    Path script = Files.writeString(dir.resolve("broken.jsh"), """
        var p = Digits.pipeline();
        System.out.println("steps: " + p.steps().size());

        p.withBody("trian", ctx -> {});
        System.out.println("not reached");
        """);

    Result result = pipewright(null, "jshell", script.toString());

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.stdout()).isEqualTo("steps: 4\n");
    assertThat(result.stderr()).isEqualTo("pipewright: " + script + ":4: java.lang.IllegalArgumentException: pipeline"
        + " 'digits' has no step 'trian' (steps: prep, train, evaluate, deploy)\n");
  }

  @Test
  void interactiveJShellHasTheExamplesAndPipewrightImported() throws Exception {
    Result result = pipewright("""
        var p = Digits.pipeline()
        System.out.println("steps: " + p.steps().size() + ", valid: " + p.validate().isEmpty())
        /exit 3
        """, "jshell");

    assertThat(result.exitCode()).as(result.stderr()).isEqualTo(3);
    assertThat(result.stdout()).contains("steps: 4, valid: true");
  }

  private record Result(int exitCode, String stdout, String stderr) {}

  private Result script(Path script) throws IOException, InterruptedException {
    Path absolute = script.toAbsolutePath().normalize();
    Result known = RESULTS.get(absolute);
    if (known == null) {
      known = pipewright(null, "jshell", absolute.toString());
      RESULTS.put(absolute, known);
    }
    return known;
  }

  /** Runs {@code io.pipewright.cli.Main} with this test's class path, from a folder of its own. */
  private Result pipewright(String stdin, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Duser.home=" + dir.resolve("home"), "-cp", System.getProperty("java.class.path"), "io.pipewright.cli.Main"));
    command.addAll(List.of(args));
    Path cwd = Files.createDirectories(dir.resolve("cwd"));
    Path in = Files.writeString(dir.resolve("stdin.txt"), stdin == null ? "" : stdin);
    Path out = Files.createTempFile(dir, "stdout", ".txt");
    Path err = Files.createTempFile(dir, "stderr", ".txt");
    Process process = new ProcessBuilder(command).directory(cwd.toFile()).redirectInput(in.toFile())
        .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!process.waitFor(3, TimeUnit.MINUTES)) {
      process.destroyForcibly().waitFor();
      throw new AssertionError("pipewright " + String.join(" ", args) + " did not end within 3 minutes; stderr:\n"
          + Files.readString(err, StandardCharsets.UTF_8));
    }
    return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }
}
