package io.pipewright.testing;

import io.pipewright.Run;
import io.pipewright.RunStatus;
import io.pipewright.StepRun;
import io.pipewright.StepStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.assertj.core.api.AbstractAssert;

/**
 * Assertions on a finished {@link Run}; from {@link PipewrightAssertions#assertThat(Run)}. Each failure message ends
 * with the run as {@link Run#toString()} shows it, and the stack trace of a failed step when there is one.
 */
public final class RunAssert extends AbstractAssert<RunAssert, Run> {
  RunAssert(Run actual) {
    super(actual, RunAssert.class);
  }

  /** The run succeeded. */
  public RunAssert succeeded() {
    return hasStatus(RunStatus.SUCCEEDED);
  }

  /** The run failed. */
  public RunAssert failed() {
    return hasStatus(RunStatus.FAILED);
  }

  /** The run was cancelled. */
  public RunAssert wasCancelled() {
    return hasStatus(RunStatus.CANCELLED);
  }

  public RunAssert hasStatus(RunStatus expected) {
    isNotNull();
    if (actual.status() != expected) {
      failWithMessage("expected run %s to be %s, but it is %s%n%s", actual.shortId(), expected, actual.status(),
          describe(actual));
    }
    return this;
  }

  /** Assertions on one step; fails, naming the run's steps, if it has none of that name. */
  public StepRunAssert step(String name) {
    isNotNull();
    for (StepRun step : actual.steps()) {
      if (step.name().equals(name)) {
        return new StepRunAssert(step, actual);
      }
    }
    failWithMessage("expected run %s to have a step '%s', but its steps are %s%n%s", actual.shortId(), name,
        actual.steps().stream().map(StepRun::name).collect(Collectors.joining(", ")), describe(actual));
    return null; // not reached: failWithMessage throws
  }

  /** These steps ran (and succeeded) rather than being reused. */
  public RunAssert ran(String... steps) {
    return stepsAre(StepStatus.SUCCEEDED, steps);
  }

  /** These steps were reused from earlier runs. */
  public RunAssert reused(String... steps) {
    return stepsAre(StepStatus.REUSED, steps);
  }

  /** These steps were skipped. */
  public RunAssert skipped(String... steps) {
    return stepsAre(StepStatus.SKIPPED, steps);
  }

  private RunAssert stepsAre(StepStatus expected, String... steps) {
    isNotNull();
    List<String> wrong = new ArrayList<>();
    for (String name : steps) {
      step(name); // fails for a step the run does not have
      StepRun step = actual.step(name);
      if (step.status() != expected) {
        wrong.add(name + " is " + step.status());
      }
    }
    if (!wrong.isEmpty()) {
      failWithMessage("expected %s of run %s to be %s, but %s%n%s", String.join(", ", steps), actual.shortId(),
          expected, String.join(", ", wrong), describe(actual));
    }
    return this;
  }

  /** The run's summary, and the stack traces of its failed steps: what a failure message shows. */
  static String describe(Run run) {
    StringBuilder s = new StringBuilder(run.toString());
    for (StepRun step : run.steps()) {
      if (step.errorTrace() != null) {
        s.append(String.format("%nstack trace of step '%s':%n%s", step.name(), step.errorTrace().stripTrailing()));
      }
    }
    return s.toString();
  }
}
