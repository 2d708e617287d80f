package io.pipewright.testing;

import io.pipewright.Pipeline;
import io.pipewright.Run;
import io.pipewright.RunOptions;
import io.pipewright.Workspace;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * A real, temporary {@link Workspace} for one test, with helpers to run a pipeline (with parameters and stand-ins) or
 * a single step (with given inputs). {@link PipewrightExtension} hands one to a test that asks for it, and closes and
 * deletes it when the test ends.
 *
 * <pre>{@code
 * @ExtendWith(PipewrightExtension.class)
 * class DigitsPipelineTest {
 *   @Test
 *   void skipsTheReleaseOfAWeakModel(TestWorkspace ws) {
 *     Run run = ws.run(Digits.pipeline(), Map.of("minAccuracy", 0.99), StandIn.replace("train", TinyModel.class));
 *     assertThat(run).succeeded().step("deploy").wasSkipped();
 *   }
 * }
 * }</pre>
 *
 * <p>Runs are awaited: each helper returns the finished run. Not thread-safe beyond what {@link Workspace} is.
 */
public final class TestWorkspace implements AutoCloseable {
  private final Workspace workspace;

  /** Wraps a workspace; closing this closes it. */
  public TestWorkspace(Workspace workspace) {
    this.workspace = Objects.requireNonNull(workspace, "workspace");
  }

  /** A test workspace in a new temporary folder, deleted on close. */
  public static TestWorkspace temporary() {
    return new TestWorkspace(Workspace.temporary());
  }

  /** The workspace itself: its run history, registries, {@code submit}. */
  public Workspace workspace() {
    return workspace;
  }

  /** Its folder. */
  public Path dir() {
    return workspace.dir();
  }

  /** Runs the pipeline with its default parameters and the given stand-ins, and waits for the run to end. */
  public Run run(Pipeline pipeline, StandIn... standIns) {
    return run(pipeline, RunOptions.defaults(), standIns);
  }

  /** Runs the pipeline with these parameter values and the given stand-ins, and waits for the run to end. */
  public Run run(Pipeline pipeline, Map<String, ?> parameters, StandIn... standIns) {
    return run(pipeline, RunOptions.defaults().params(parameters), standIns);
  }

  /**
   * Runs the pipeline with these options and the given stand-ins, and waits for the run to end.
   *
   * @throws io.pipewright.ValidationException if the pipeline (with its stand-ins) or the parameters are invalid
   * @throws IllegalArgumentException if a stand-in names a step the pipeline does not have
   */
  public Run run(Pipeline pipeline, RunOptions options, StandIn... standIns) {
    Pipeline actual = Objects.requireNonNull(pipeline, "pipeline");
    for (StandIn standIn : standIns) {
      actual = standIn.applyTo(actual);
    }
    return workspace.submit(actual, options).await();
  }

  /**
   * One step of {@code pipeline}, to run on its own with inputs given in the test: see {@link IsolatedStep}.
   *
   * @throws IllegalArgumentException if the pipeline has no such step
   */
  public IsolatedStep step(Pipeline pipeline, String step) {
    return new IsolatedStep(this, pipeline, step);
  }

  /** Closes the workspace and deletes its folder. */
  @Override
  public void close() {
    workspace.close();
  }

  @Override
  public String toString() {
    return "TestWorkspace " + workspace.dir();
  }
}
