package io.pipewright.compute.spark;

import io.pipewright.StepBody;
import io.pipewright.StepContext;

/**
 * A {@link SparkStep} that is its own step body, to pass as a class: {@code .on("spark").runs(Prep.class)} with
 * {@code class Prep extends SparkStepBody}. Equivalent to {@code .runs(Spark.step(Prep.class))} with {@code Prep
 * implements SparkStep}.
 */
public abstract class SparkStepBody implements StepBody, SparkStep {
  /** Runs {@link #run(org.apache.spark.sql.SparkSession, StepContext)} with the session of the step's target. */
  @Override
  public final void run(StepContext ctx) throws Exception {
    run(Spark.session(ctx), ctx);
  }
}
