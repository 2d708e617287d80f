package io.pipewright.testing;

import io.pipewright.Pipeline;
import io.pipewright.Problem;
import io.pipewright.Step;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.assertj.core.api.AbstractAssert;

/**
 * Assertions on the shape of a {@link Pipeline}: its steps, its edges, whether it is valid. From
 * {@link PipewrightAssertions#assertThat(Pipeline)}. Failure messages show the pipeline as {@link Pipeline#toString()}
 * draws it.
 */
public final class PipelineAssert extends AbstractAssert<PipelineAssert, Pipeline> {
  PipelineAssert(Pipeline actual) {
    super(actual, PipelineAssert.class);
  }

  /** It has exactly these steps, in this (declaration) order. */
  public PipelineAssert hasSteps(String... names) {
    isNotNull();
    List<String> actualNames = actual.steps().stream().map(Step::name).toList();
    if (!actualNames.equals(Arrays.asList(names))) {
      failWithMessage("expected pipeline '%s' to have steps %s, but it has %s%n%s", actual.name(),
          String.join(", ", names), String.join(", ", actualNames), actual);
    }
    return this;
  }

  /**
   * Step {@code to} depends on step {@code from}: it reads one of its outputs, has a condition on one, or runs
   * {@code after} it.
   */
  public PipelineAssert hasEdge(String from, String to) {
    if (!upstreamsOf(to).contains(from)) {
      failWithMessage("expected pipeline '%s' to have an edge %s -> %s, but %s depends on %s%n%s", actual.name(),
          from, to, to, upstreamsOf(to).isEmpty() ? "no step" : String.join(", ", upstreamsOf(to)), actual);
    }
    return this;
  }

  /** Step {@code to} does not depend directly on step {@code from}. */
  public PipelineAssert hasNoEdge(String from, String to) {
    if (upstreamsOf(to).contains(from)) {
      failWithMessage("expected pipeline '%s' to have no edge %s -> %s, but it has%n%s", actual.name(), from, to,
          actual);
    }
    return this;
  }

  /** {@link Pipeline#validate()} finds no problem. */
  public PipelineAssert isValid() {
    isNotNull();
    List<Problem> problems = actual.validate();
    if (!problems.isEmpty()) {
      failWithMessage("expected pipeline '%s' to be valid, but:%n%s", actual.name(), problems.stream()
          .map(p -> "  - " + p.message()).collect(Collectors.joining(System.lineSeparator())));
    }
    return this;
  }

  private List<String> upstreamsOf(String step) {
    isNotNull();
    for (Step s : actual.steps()) {
      if (s.name().equals(step)) {
        return s.dependsOn();
      }
    }
    failWithMessage("expected pipeline '%s' to have a step '%s', but its steps are %s%n%s", actual.name(), step,
        actual.steps().stream().map(Step::name).collect(Collectors.joining(", ")), actual);
    return List.of(); // not reached: failWithMessage throws
  }
}
