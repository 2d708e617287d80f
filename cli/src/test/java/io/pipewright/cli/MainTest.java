package io.pipewright.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import com.fasterxml.jackson.databind.JsonNode;
import io.pipewright.Pipeline;
import io.pipewright.spi.PipelineProvider;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** Usage, help, the exit codes of errors, --verbose and the pipelines command. */
class MainTest {
  @TempDir
  Path dir;

  @Test
  void noCommandPrintsTheUsageOnStandardErrorWithExitCode2() {
    Invocation r = Invocation.of();

    assertThat(r.code()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).startsWith("Usage: pipewright ").contains("Commands:", "  run ", "  runs ", "  show ",
        "  logs ", "  pipelines ", "Exit codes:");
  }

  @Test
  void helpOfACommandGoesToStandardOutputWithExitCode0() {
    Invocation r = Invocation.of("run", "--help");

    assertThat(r.code()).isZero();
    assertThat(r.err()).isEmpty();
    assertThat(r.out()).startsWith("Usage: pipewright run ").contains("--param=NAME=VALUE", "--workspace=DIR",
        "--fail-fast", "--json", "--verbose", "Default: .pipewright");
  }

  @Test
  void unknownOptionIsOneLineWithASuggestionAndExitCode2() {
    Invocation r = Invocation.of("run", "greet", "--jsn", "--workspace", dir.toString());

    assertThat(r.code()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.errLines()).containsExactly(
        "pipewright: unknown option: '--jsn' -- did you mean '--json'? (see: pipewright run --help)");
  }

  @Test
  void missingPipelineIsOneLineAndExitCode2() {
    Invocation r = Invocation.of("run");

    assertThat(r.code()).isEqualTo(2);
    assertThat(r.errLines()).containsExactly(
        "pipewright: missing required parameter: 'PIPELINE' (see: pipewright run --help)");
  }

  @Test
  void unknownCommandListsTheCommandsAndSuggestsTheClosest() {
    Invocation r = Invocation.of("rnu", "greet");

    assertThat(r.code()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.errLines()).containsExactly("pipewright: unknown command 'rnu' (commands: run, runs, show, logs,"
        + " explain, pipelines, gc, datasets, models, lineage, jshell, k8s, help) -- did you mean 'run'? (see:"
        + " pipewright --help)");
  }

  @Test
  void userErrorsShowTheirStackTraceOnlyWhenVerbose() {
    Invocation quiet = Invocation.of("run", "greet", "-p", "oops", "-w", dir.toString());
    Invocation verbose = Invocation.of("run", "greet", "-p", "oops", "-w", dir.toString(), "--verbose");

    assertThat(quiet.errLines()).hasSize(1);
    assertThat(verbose.code()).isEqualTo(2);
    assertThat(verbose.errLines().get(0)).isEqualTo("pipewright: malformed --param 'oops': expected NAME=VALUE");
    assertThat(verbose.err()).contains("io.pipewright.UserException: malformed --param 'oops'",
        "\tat io.pipewright.cli.RunCommand.parseParams");
  }

  @Test
  void bugInAPipelinesCodeIsOneLineWithAHintAndExitCode3() {
    Invocation r = Invocation.of("run", "exploding", "-w", dir.toString());

    assertThat(r.code()).isEqualTo(3);
    assertThat(r.out()).isEmpty();
    assertThat(r.errLines()).containsExactly("pipewright: pipeline 'exploding' could not be defined: "
        + TestPipelines.Exploding.class.getName() + ".pipeline() threw IllegalStateException: kaboom"
        + " -- run with --verbose for the stack trace");
  }

  @Test
  void bugInAPipelinesCodeShowsItsStackTraceWhenVerbose() {
    Invocation r = Invocation.of("run", "exploding", "-w", dir.toString(), "-v");

    assertThat(r.code()).isEqualTo(3);
    assertThat(r.errLines().get(0)).isEqualTo("pipewright: pipeline 'exploding' could not be defined: "
        + TestPipelines.Exploding.class.getName() + ".pipeline() threw IllegalStateException: kaboom");
    assertThat(r.err()).contains("Caused by: java.lang.IllegalStateException: kaboom",
        "\tat " + TestPipelines.Exploding.class.getName() + ".pipeline");
  }

  @Test
  void verboseLowersPipewrightsLogLevelForTheCommandOnly() {
    Logger logger = (Logger) LoggerFactory.getLogger("io.pipewright");
    Level before = logger.getLevel();
    Invocation r = Invocation.of("run", ListeningProvider.class.getName(), "-v", "--json", "-w", dir.toString());

    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.json().get("status").asText()).isEqualTo("SUCCEEDED");
    assertThat(ListeningProvider.seen).isEqualTo(Level.DEBUG);
    assertThat(logger.getLevel()).isEqualTo(before);
  }

  @Test
  void pipelinesListsTheRegisteredNamesWithTheirDescriptions() {
    Invocation r = Invocation.of("pipelines");

    assertThat(r.code()).isZero();
    assertThat(r.outLines()).first().asString().matches("PIPELINE +DESCRIPTION");
    assertThat(r.outLines()).contains("greet      counts, then scores the count", "broken     a step that fails",
        "wide");
  }

  @Test
  void pipelinesInJsonNamesEveryProvider() {
    Invocation r = Invocation.of("pipelines", "--json");

    assertThat(r.code()).isZero();
    List<String> names = new ArrayList<>();
    for (JsonNode p : r.json().get("pipelines")) {
      names.add(p.get("name").asText());
    }
    assertThat(names).containsExactly("broken", "counter", "exploding", "flaky", "greet", "racing", "slow", "wide");
    assertThat(r.json().get("pipelines").get(4).get("provider").asText())
        .isEqualTo(TestPipelines.Greet.class.getName());
  }

  /** A pipeline whose step records the level of {@code io.pipewright} while it runs. */
  public static final class ListeningProvider implements PipelineProvider {
    static volatile Level seen;

    @Override
    public String name() {
      return "listening";
    }

    @Override
    public Pipeline pipeline() {
      Pipeline p = Pipeline.named("listening");
      p.step("look").runs(ctx -> seen = ((Logger) LoggerFactory.getLogger("io.pipewright")).getLevel());
      return p;
    }
  }
}
