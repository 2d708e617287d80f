package io.pipewright;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The small value types users hold: sizes, retry policies, parameter types, metrics, datasets, runs, options. */
class ValuesTest {
  @Test
  void memorySizesReadBinaryUnitsAndFormatBackTheSameWay() {
    assertThat(Resources.parseSize("123")).isEqualTo(123);
    assertThat(Resources.parseSize("64k")).isEqualTo(64L << 10);
    assertThat(Resources.parseSize("512M")).isEqualTo(512L << 20);
    assertThat(Resources.parseSize(" 8gb ")).isEqualTo(8L << 30);
    assertThat(Resources.parseSize("1t")).isEqualTo(1L << 40);
    for (String size : List.of("1k", "3m", "8g", "2t", "1536m")) {
      assertThat(Resources.formatSize(Resources.parseSize(size))).isEqualTo(size);
    }
    assertThat(Resources.formatSize((3L << 30) / 2 + 1)).isEqualTo("1.5g");
    assertThat(Resources.formatSize(100)).isEqualTo("100");
    assertThatThrownBy(() -> Resources.parseSize("")).hasMessage("memory size must not be empty");
    assertThatThrownBy(() -> Resources.parseSize("g")).hasMessage("memory size must look like 512m or 8g, was 'g'");
    assertThatThrownBy(() -> Resources.parseSize("99999999999t"))
        .hasMessage("memory size must look like 512m or 8g, was '99999999999t'");
  }

  @Test
  void retryBackoffGrowsByTheMultiplierUpToTheMaximum() {
    RetryPolicy policy = RetryPolicy.retries(5).withBackoff(Duration.ofMillis(100), 2.0, Duration.ofMillis(300));

    assertThat(List.of(policy.backoff(1), policy.backoff(2), policy.backoff(3), policy.backoff(4)))
        .containsExactly(Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(300),
            Duration.ofMillis(300));
    assertThat(RetryPolicy.retries(2).backoff(1)).isEqualTo(Duration.ofSeconds(1));
    assertThat(RetryPolicy.retries(2).backoff(30)).isEqualTo(Duration.ofMinutes(1));
    assertThat(RetryPolicy.retries(2).withBackoff(Duration.ofMillis(10)).backoff(5)).isEqualTo(Duration.ofMillis(10));
  }

  @Test
  void retryPoliciesRejectBackoffsThatMakeNoSense() {
    RetryPolicy policy = RetryPolicy.retries(1);
    assertThatThrownBy(() -> policy.withBackoff(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("backoff must be >= 0, was PT-0.001S");
    assertThatThrownBy(() -> policy.withBackoff(Duration.ofSeconds(2), 2.0, Duration.ofSeconds(1)))
        .hasMessage("maxBackoff must be >= initialBackoff (PT2S), was PT1S");
    assertThatThrownBy(() -> policy.withBackoff(Duration.ofSeconds(1), 0.5, Duration.ofSeconds(1)))
        .hasMessage("backoff multiplier must be >= 1, was 0.5");
    assertThatThrownBy(() -> policy.withBackoff(Duration.ofSeconds(1), Double.NaN, Duration.ofSeconds(1)))
        .hasMessage("backoff multiplier must be >= 1, was NaN");
  }

  @Test
  void parameterTypesParseTextAndConvertNumbersToTheirCanonicalType() {
    assertThat(ParameterType.INTEGER.coerce("30")).isEqualTo(30L);
    assertThat(ParameterType.INTEGER.coerce(30)).isEqualTo(30L);
    assertThat(ParameterType.DOUBLE.coerce("0.5")).isEqualTo(0.5);
    assertThat(ParameterType.DOUBLE.coerce(3)).isEqualTo(3.0);
    assertThat(ParameterType.BOOLEAN.coerce("True")).isEqualTo(true);
    assertThat(ParameterType.STRING.coerce(" spaced ")).isEqualTo(" spaced ");
    assertThat(ParameterType.STRING.coerce(5)).isEqualTo("5");
    assertThatThrownBy(() -> ParameterType.INTEGER.coerce("3.5")).hasMessage("expected an integer, got '3.5'");
    assertThatThrownBy(() -> ParameterType.INTEGER.coerce(true)).hasMessage("expected an integer, got true");
    assertThatThrownBy(() -> ParameterType.DOUBLE.coerce("NaN")).hasMessage("expected a number, got 'NaN'");
    assertThatThrownBy(() -> ParameterType.BOOLEAN.coerce(1)).hasMessage("expected true or false, got 1");
    assertThatThrownBy(() -> ParameterType.INTEGER.coerce(null)).hasMessage("expected an integer, got null");
  }

  @Test
  void metricsMustBeNamedFiniteNumbers() {
    assertThat(Metrics.of("accuracy", 0.9, "f1", 1).asMap()).isEqualTo(Map.of("accuracy", 0.9, "f1", 1.0));
    assertThat(Metrics.of("b", 1, "a", 2).names()).containsExactly("a", "b");
    assertThatThrownBy(() -> Metrics.of("accuracy", Double.NaN))
        .hasMessage("metric 'accuracy' must be a finite number, was NaN");
    assertThatThrownBy(() -> Metrics.of("accuracy"))
        .hasMessage("Metrics.of takes names and values in pairs, got 1 arguments");
    assertThatThrownBy(() -> Metrics.of(1, "accuracy"))
        .hasMessage("Metrics.of expects (String, Number) pairs, got 1, accuracy");
    assertThatThrownBy(() -> Metrics.of(Map.of(" ", 1))).hasMessage("metric names must not be empty");
    assertThatThrownBy(() -> Metrics.of("a", 1).get("b")).hasMessage("no metric 'b' (have: a)");
  }

  @Test
  void aDatasetNamesTheFilesItHasWhenAskedForOneItDoesNot() {
    Path root = Path.of("/data/rows");
    Dataset two = new Dataset(root, List.of(new DataFile("a.csv", 1, "aa"), new DataFile("b.csv", 2, "bb")));

    assertThat(two.file("b.csv")).isEqualTo(root.resolve("b.csv"));
    assertThat(two.size()).isEqualTo(3);
    assertThatThrownBy(() -> two.file("c.csv"))
        .hasMessage("dataset at /data/rows has no file 'c.csv' (files: a.csv, b.csv)");
    assertThatThrownBy(two::singleFile).hasMessage("dataset at /data/rows has 2 files, not exactly one");
  }

  @Test
  void aRunNamesItsStepsWhenAskedForOneItDoesNotHave() {
    StepRun a = new StepRun("a", StepKind.PREP, StepStatus.SUCCEEDED, "local", Instant.EPOCH,
        Instant.EPOCH.plusMillis(1500), 1, Map.of(), Map.of("accuracy", 0.95), null, null, null, null, null);
    Run run = new Run("0123456789abcdef", "p", RunStatus.SUCCEEDED, Instant.EPOCH, Instant.EPOCH.plusSeconds(2),
        Map.of(), List.of(a), null);

    assertThat(run.step("a")).isSameAs(a);
    assertThat(run.shortId()).isEqualTo("01234567");
    assertThat(run.duration()).contains(Duration.ofSeconds(2));
    assertThat(a.duration()).contains(Duration.ofMillis(1500));
    assertThatThrownBy(() -> run.step("b")).hasMessage("run 01234567 has no step 'b' (steps: a)");
  }

  @Test
  void aRunReadsAsAFewLinesAStepAsOne() {
    StepRun prep = new StepRun("prep", StepKind.PREP, StepStatus.REUSED, "local", null, null, 0, Map.of(), Map.of(),
        null, null, null, "fp", "fedcba9876543210");
    StepRun evaluate = new StepRun("evaluate", StepKind.EVALUATE, StepStatus.SUCCEEDED, "local", Instant.EPOCH,
        Instant.EPOCH.plusMillis(1500), 1, Map.of(), Map.of("precision.1", 0.9, "accuracy", 0.95, "f1", 0.9375,
        "precision.0", 1.0, "recall.0", 0.5), null, null, null, null, null);
    StepRun train = new StepRun("train", StepKind.TRAIN, StepStatus.FAILED, "gpu", Instant.EPOCH,
        Instant.EPOCH.plusMillis(20), 2, Map.of(), Map.of(), "out of memory", "trace", null, null, null);
    StepRun deploy = new StepRun("deploy", StepKind.DEPLOY, StepStatus.SKIPPED, "local", null, null, 0, Map.of(),
        Map.of(), null, null, "upstream step 'train' failed", null, null);
    Run run = new Run("0123456789abcdef", "digits", RunStatus.FAILED, Instant.EPOCH, Instant.EPOCH.plusSeconds(2),
        Map.of(), List.of(prep, evaluate, train, deploy), "step 'train': out of memory");

    assertThat(run.toString()).isEqualTo("""
        Run 01234567 digits FAILED in 2.0 s
          ↺ prep      prep      reused from fedcba98
          ✓ evaluate  evaluate  1.5 s  accuracy=0.95 f1=0.9375 precision.0=1 (+2 more)
          ✗ train     train     20 ms  failed: out of memory
          ⊘ deploy    deploy    skipped: upstream step 'train' failed""");
    assertThat(prep.toString()).isEqualTo("prep prep REUSED on local reused from fedcba98");
    assertThat(evaluate.toString())
        .isEqualTo("evaluate evaluate SUCCEEDED on local 1.5 s  accuracy=0.95 f1=0.9375 precision.0=1 (+2 more)");
    assertThat(train.toString()).isEqualTo("train train FAILED on gpu 20 ms  failed: out of memory");
  }

  @Test
  void aRunWithoutAFailedStepShowsItsErrorAndAManyStepRunIsCut() {
    List<StepRun> steps = new java.util.ArrayList<>();
    for (int i = 0; i < 14; i++) {
      steps.add(new StepRun("s" + i, StepKind.CUSTOM, StepStatus.CANCELLED, "local", null, null, 0, Map.of(),
          Map.of(), null, null, null, null, null));
    }
    Run run = new Run("0123", "many", RunStatus.CANCELLED, Instant.EPOCH, null, Map.of(), steps, "run cancelled");

    List<String> lines = run.toString().lines().toList();

    assertThat(lines.get(0)).isEqualTo("Run 0123 many CANCELLED");
    assertThat(lines.get(1)).isEqualTo("  ■ s0   custom    cancelled");
    assertThat(lines).hasSize(15);
    assertThat(lines.get(13)).isEqualTo("  ... 2 more steps");
    assertThat(lines.get(14)).isEqualTo("  error: run cancelled");
  }

  @Test
  void runOptionsAreImmutableAndRejectMissingValues() {
    RunOptions base = RunOptions.defaults();
    RunOptions changed = base.param("epochs", 3).failFast(true).listener(e -> {});

    assertThat(base.parameters()).isEmpty();
    assertThat(base.failFast()).isFalse();
    assertThat(base.listeners()).isEmpty();
    assertThat(changed.parameters()).isEqualTo(Map.of("epochs", 3));
    assertThat(changed.failFast()).isTrue();
    assertThat(changed.listeners()).hasSize(1);
    assertThatThrownBy(() -> base.param("epochs", null)).hasMessage("value of parameter 'epochs'");
  }
}
