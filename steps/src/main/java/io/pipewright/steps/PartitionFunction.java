package io.pipewright.steps;

import io.pipewright.StepContext;
import java.nio.file.Path;

/**
 * The work a {@link Parallel} step does for one partition of its input: read the partition's files, write the
 * results into {@code outputDir}. The step gathers every partition's folder into its output, in partition order.
 *
 * <pre>{@code
 * PartitionFunction upper = (partition, out, ctx) ->
 *     Files.writeString(out.resolve("upper.txt"), Files.readString(partition.file()).toUpperCase());
 * }</pre>
 *
 * <p><b>Called concurrently</b>, from up to {@link Parallel.Builder#maxConcurrency maxConcurrency} threads, each call
 * with another partition: an implementation must be thread-safe. A function given as a class gets one instance per
 * step attempt, shared by all its partitions: load a model once in its constructor, say.
 *
 * <p><b>Deterministic:</b> what a call writes must depend only on the partition's content and name (and the step's
 * parameters and other inputs): a partition's result is stored under that and reused by later runs; see
 * {@link Partition}.
 *
 * <p><b>Failures:</b> a call that throws fails the partition, which is retried up to
 * {@link Parallel.Builder#partitionRetries partitionRetries} times in a fresh, empty {@code outputDir}; throw
 * {@link io.pipewright.StepException#nonRetryable} when a retry cannot help (the partition's data is malformed). A
 * call must return promptly when its thread is interrupted: that is how a timeout, a cancelled run or a step that
 * already failed stops the partitions still running.
 *
 * <p><b>The context</b> is the step's, with four differences: {@link StepContext#tempDir()} is a scratch folder of
 * this partition attempt; {@link StepContext#outputDir} refuses the step's gathered output (write into
 * {@code outputDir}); {@link StepContext#keepFromReuse} is the partition's: its result is gathered but not stored,
 * and the step's output is kept from reuse, so that the next run computes this partition again; and calls are
 * serialised, so that partitions may share it. Metrics reported through it are the step's: a partition that reports
 * {@code loss} overwrites another's.
 *
 * <p>For partition work that is not Java, {@link Parallel.Builder#apply(Script)} runs a {@link Script} per partition
 * through this same interface, with retries, the error threshold, gathering and reuse as they are.
 */
@FunctionalInterface
public interface PartitionFunction {
  /**
   * Computes one partition.
   *
   * @param partition what to compute: its files, name, index and content hash
   * @param outputDir an empty folder of this attempt, to write the partition's results into; written files become
   *     part of the step's output, in {@code part-NNNNN-NAME/} or appended, as the step says
   * @param ctx the step's context: its parameters, other inputs, logger and metrics
   */
  void run(Partition partition, Path outputDir, StepContext ctx) throws Exception;
}
