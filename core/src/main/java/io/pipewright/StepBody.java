package io.pipewright;

/**
 * The work of a step: plain Java that reads its inputs and parameters from the context and writes its outputs there.
 *
 * <p>Give a step a class ({@code .runs(Train.class)}, instantiated through its public no-argument constructor for each
 * attempt) or an instance or lambda ({@code .runs(ctx -> ...)}). A body that throws fails the attempt; throw
 * {@link StepException} for a clear message, or {@link StepException#nonRetryable} when a retry cannot help. A body
 * should return promptly when its thread is interrupted: that is how timeouts and cancellation reach it.
 */
@FunctionalInterface
public interface StepBody {
  void run(StepContext ctx) throws Exception;
}
