package io.pipewright.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command in a JVM of its own: real standard streams, exit codes and signals. */
class ProcessTest {
  @TempDir
  Path dir;

  private Process start(String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), Main.class.getName()));
    command.addAll(List.of(args));
    return new ProcessBuilder(command)
        .redirectOutput(dir.resolve("out.txt").toFile())
        .redirectError(dir.resolve("err.txt").toFile())
        .start();
  }

  private int finish(Process process) throws InterruptedException {
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("the command ends").isTrue();
    return process.exitValue();
  }

  private String out() throws IOException {
    return Files.readString(dir.resolve("out.txt"), StandardCharsets.UTF_8);
  }

  private String err() throws IOException {
    return Files.readString(dir.resolve("err.txt"), StandardCharsets.UTF_8);
  }

  @Test
  void jsonRunPrintsOnlyJsonOnStandardOutputAndExitsWith0() throws Exception {
    String ws = dir.resolve("ws").toString();
    int code = finish(start("run", "greet", "--json", "--verbose", "-p", "times=3", "-w", ws));

    assertThat(code).as(err()).isZero();
    JsonNode run = new Invocation(code, out(), err()).json();
    assertThat(run.get("status").asText()).isEqualTo("SUCCEEDED");
    assertThat(run.get("steps").get(1).get("metrics").get("score").asDouble()).isEqualTo(4.5);
    // --verbose logs went to standard error, with the run and step from the MDC
    String shortId = run.get("runId").asText().substring(0, 8);
    assertThat(err()).contains("io.pipewright.step.count [" + shortId + " count] counting to 3");
  }

  @Test
  void failedRunExitsWith1AndUserErrorWith2() throws Exception {
    int failed = finish(start("run", "broken", "--json", "-w", dir.resolve("ws").toString()));
    String failedOut = out();
    int userError = finish(start("run", "greet", "-p", "times", "-w", dir.resolve("ws").toString()));

    assertThat(failed).isEqualTo(1);
    assertThat(new Invocation(failed, failedOut, "").json().get("status").asText()).isEqualTo("FAILED");
    assertThat(userError).isEqualTo(2);
    assertThat(out()).isEmpty();
    assertThat(err()).isEqualTo("pipewright: malformed --param 'times': expected NAME=VALUE" + System.lineSeparator());
  }

  @Test
  void terminatingTheCommandCancelsTheRunAndRecordsIt() throws Exception {
    Path ws = dir.resolve("ws");
    Process process = start("run", "slow", "-w", ws.toString());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!out().contains("wait  started on local") && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(out()).contains("wait  started on local");

    process.destroy(); // SIGTERM: shutdown hooks run as on Ctrl-C
    int code = finish(process);

    assertThat(code).as(err()).isEqualTo(143);
    assertThat(out()).contains("wait  cancelled: the process is shutting down");
    assertThat(out().lines().reduce((a, b) -> b).orElseThrow())
        .matches("CANCELLED in .* -- the process is shutting down");
    JsonNode runs = Invocation.of("runs", "--json", "-w", ws.toString()).json();
    assertThat(runs.get("runs")).hasSize(1);
    assertThat(runs.get("runs").get(0).get("status").asText()).isEqualTo("CANCELLED");
    assertThat(runs.get("runs").get(0).get("steps").get(0).get("status").asText()).isEqualTo("CANCELLED");
  }
}
