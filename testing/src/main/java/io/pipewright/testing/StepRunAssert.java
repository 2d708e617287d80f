package io.pipewright.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pipewright.Run;
import io.pipewright.StepRun;
import io.pipewright.StepStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.TreeSet;
import org.assertj.core.api.AbstractAssert;
import org.assertj.core.api.AbstractDoubleAssert;
import org.assertj.core.api.AbstractPathAssert;
import org.assertj.core.api.Assertions;
import org.assertj.core.api.ObjectAssert;

/**
 * Assertions on one step of a run: its status, error, metrics and outputs. From {@link RunAssert#step(String)} (then
 * {@link #step(String)} moves on to another step of the same run) or {@link PipewrightAssertions#assertThat(StepRun)}.
 * Failure messages show the step, and the whole run when there is one.
 */
public final class StepRunAssert extends AbstractAssert<StepRunAssert, StepRun> {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Run run;

  StepRunAssert(StepRun actual, Run run) {
    super(actual, StepRunAssert.class);
    this.run = run;
  }

  /** Another step of the same run. */
  public StepRunAssert step(String name) {
    if (run == null) {
      throw new IllegalStateException("this step was not reached through its run: use assertThat(run).step(\"" + name
          + "\")");
    }
    return new RunAssert(run).step(name);
  }

  /** It ran, and succeeded: not reused, skipped or failed. */
  public StepRunAssert ran() {
    return hasStatus(StepStatus.SUCCEEDED);
  }

  /** It succeeded, or was reused: its outputs are there. */
  public StepRunAssert succeeded() {
    isNotNull();
    if (!actual.status().isSuccess()) {
      fail("to have succeeded or been reused");
    }
    return this;
  }

  /** It was not run: an earlier run's outputs were reused. */
  public StepRunAssert wasReused() {
    return hasStatus(StepStatus.REUSED);
  }

  /** It was reused from that earlier run: its outputs are those that run produced. */
  public StepRunAssert wasReusedFrom(Run earlier) {
    wasReused();
    if (!earlier.id().equals(actual.reusedFrom())) {
      fail("to have been reused from run " + earlier.shortId() + ", not " + actual.reusedFrom());
    }
    return this;
  }

  public StepRunAssert wasSkipped() {
    return hasStatus(StepStatus.SKIPPED);
  }

  /** It was skipped, and its reason contains {@code reason}. */
  public StepRunAssert wasSkippedBecause(String reason) {
    wasSkipped();
    if (actual.reason() == null || !actual.reason().contains(reason)) {
      fail("to have been skipped because of '" + reason + "'");
    }
    return this;
  }

  public StepRunAssert wasCancelled() {
    return hasStatus(StepStatus.CANCELLED);
  }

  /** It failed, and its one-line error contains {@code error}. */
  public StepRunAssert failedWith(String error) {
    hasStatus(StepStatus.FAILED);
    if (actual.error() == null || !actual.error().contains(error)) {
      fail("to have failed with '" + error + "'");
    }
    return this;
  }

  public StepRunAssert hasStatus(StepStatus expected) {
    isNotNull();
    if (actual.status() != expected) {
      fail("to be " + expected);
    }
    return this;
  }

  /** Assertions on a metric the step reported; fails, naming those it has, if it has none of that name. */
  public AbstractDoubleAssert<?> metric(String name) {
    isNotNull();
    Double value = actual.metrics().get(name);
    if (value == null) {
      fail("to have metric '" + name + "'", "it has " + (actual.metrics().isEmpty() ? "none"
          : String.join(", ", new TreeSet<>(actual.metrics().keySet()))));
    }
    return Assertions.assertThat(value).as("metric '%s' of step '%s'", name, actual.name());
  }

  /**
   * Assertions on a JSON value output (written with {@code ctx.write}), as plain Java: a String, Long, Double,
   * Boolean, List or Map; Metrics as a map of names to numbers.
   */
  public ObjectAssert<Object> outputValue(String name) {
    JsonNode stored = readStored(name);
    if (!stored.has("value")) {
      fail("to have a value output '" + name + "'", "it is " + stored.path("type").asText("files")
          + " (use outputFiles(\"" + name + "\") or outputFile(\"" + name + "\", path))");
    }
    Object value = JSON.convertValue(stored.get("value"), Object.class);
    return Assertions.assertThat(value).as("output '%s' of step '%s'", name, actual.name());
  }

  /** Assertions on the folder of a Dataset or Model output. */
  public AbstractPathAssert<?> outputFiles(String name) {
    Path folder = Path.of(output(name));
    if (!Files.isDirectory(folder)) {
      fail("to have files under output '" + name + "'", "it is a value (use outputValue(\"" + name + "\"))");
    }
    return Assertions.assertThat(folder).as("output '%s' of step '%s'", name, actual.name());
  }

  /** Assertions on one file of a Dataset or Model output ({@code .content().contains(...)}, say). */
  public AbstractPathAssert<?> outputFile(String name, String relativePath) {
    Path file = Path.of(output(name)).resolve(relativePath);
    if (!Files.isRegularFile(file)) {
      fail("to have a file '" + relativePath + "' in output '" + name + "'");
    }
    return Assertions.assertThat(file).as("file '%s' of output '%s' of step '%s'", relativePath, name,
        actual.name());
  }

  private String output(String name) {
    isNotNull();
    String location = actual.outputs().get(name);
    if (location == null) {
      fail("to have output '" + name + "'", "it has " + (actual.outputs().isEmpty() ? "none"
          : String.join(", ", new TreeSet<>(actual.outputs().keySet()))));
    }
    return location;
  }

  private JsonNode readStored(String name) {
    Path location = Path.of(output(name));
    if (Files.isDirectory(location)) {
      fail("to have a value output '" + name + "'", "it is files (use outputFiles(\"" + name + "\") or"
          + " outputFile(\"" + name + "\", path))");
    }
    try {
      return JSON.readTree(location.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read output '" + name + "' of step '" + actual.name() + "' at "
          + location, e);
    }
  }

  private void fail(String expectation) {
    fail(expectation, "it is");
  }

  private void fail(String expectation, String found) {
    failWithMessage("expected step '%s' %s, but %s:%n  %s%s", actual.name(), expectation, found, actual,
        run == null ? "" : String.format("%nin %s", RunAssert.describe(run)));
  }
}
