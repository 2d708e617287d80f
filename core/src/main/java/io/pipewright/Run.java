package io.pipewright;

import io.pipewright.internal.util.Text;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A snapshot of a pipeline run: its status, parameter values and steps. From {@link RunHandle#await()} when it ends,
 * or from {@link Workspace#runs()} afterwards.
 *
 * @param parameters the values the run used, defaults filled in
 * @param steps in declaration order
 * @param error for a failed run, the first step failure, one line
 */
public record Run(String id, String pipeline, RunStatus status, Instant startedAt, Instant finishedAt,
    Map<String, Object> parameters, List<StepRun> steps, String error) {
  public Run {
    parameters = Map.copyOf(parameters);
    steps = List.copyOf(steps);
  }

  /** One step, by name. */
  public StepRun step(String name) {
    for (StepRun s : steps) {
      if (s.name().equals(name)) {
        return s;
      }
    }
    throw new IllegalArgumentException("run " + shortId() + " has no step '" + name + "' (steps: "
        + String.join(", ", steps.stream().map(StepRun::name).limit(20).toList()) + ")");
  }

  public boolean succeeded() {
    return status == RunStatus.SUCCEEDED;
  }

  /** The first 8 characters of the id: enough to name a run on the command line. */
  public String shortId() {
    return id.length() <= 8 ? id : id.substring(0, 8);
  }

  /** From start to end; empty while running. */
  public Optional<Duration> duration() {
    return finishedAt == null ? Optional.empty() : Optional.of(Duration.between(startedAt, finishedAt));
  }

  /**
   * A few lines for people (a REPL, a failed assertion): a header, then each step's status, duration and key metrics,
   * or where it was reused from, or why it failed or was skipped. Not a format to parse: use the accessors.
   */
  @Override
  public String toString() {
    return Text.runSummary(this);
  }
}
