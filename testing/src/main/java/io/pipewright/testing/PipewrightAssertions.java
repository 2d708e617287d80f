package io.pipewright.testing;

import io.pipewright.Pipeline;
import io.pipewright.Run;
import io.pipewright.StepRun;

/**
 * AssertJ entry points for runs, steps and pipelines. Import them next to AssertJ's own:
 *
 * <pre>{@code
 * import static io.pipewright.testing.PipewrightAssertions.assertThat;
 * import static org.assertj.core.api.Assertions.assertThat;
 *
 * assertThat(run).succeeded()
 *     .step("prep").wasReused()
 *     .step("train").ran()
 *     .step("evaluate").metric("accuracy").isGreaterThan(0.9);
 * assertThat(pipeline).hasSteps("prep", "train", "evaluate").hasEdge("prep", "train");
 * }</pre>
 *
 * <p>A failed assertion shows the run (or pipeline) it was about, so the message says what happened.
 */
public final class PipewrightAssertions {
  private PipewrightAssertions() {}

  /** Assertions on a finished run. */
  public static RunAssert assertThat(Run actual) {
    return new RunAssert(actual);
  }

  /** Assertions on one step of a run. */
  public static StepRunAssert assertThat(StepRun actual) {
    return new StepRunAssert(actual, null);
  }

  /** Assertions on the shape of a pipeline: its steps and edges, and whether it is valid. */
  public static PipelineAssert assertThat(Pipeline actual) {
    return new PipelineAssert(actual);
  }
}
