package io.pipewright.compute.spark;

import java.util.concurrent.CancellationException;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * One attempt running on a {@link SparkTarget}, known to the thread running it so that {@link Spark#session} finds
 * its target. Its Spark jobs run in a job group of their own, set on that thread when it first asks for the session.
 */
final class SparkAttempt {
  private static final ThreadLocal<SparkAttempt> CURRENT = new ThreadLocal<>();

  private final SparkTarget target;
  private final String jobGroup;
  private final String description;
  private SparkContext context; // set once the attempt used Spark
  private boolean cancelled;

  SparkAttempt(SparkTarget target, String jobGroup, String description) {
    this.target = target;
    this.jobGroup = jobGroup;
    this.description = description;
  }

  static SparkAttempt current() {
    return CURRENT.get();
  }

  /** Runs {@code body} on this thread as this attempt. */
  void runHere(ThrowingRunnable body) throws Exception {
    CURRENT.set(this);
    try {
      body.run();
    } finally {
      CURRENT.remove();
      SparkContext used;
      synchronized (this) {
        used = context;
      }
      if (used != null && !used.isStopped()) {
        used.clearJobGroup();
      }
    }
  }

  /** The target's session, with this thread's jobs in the attempt's job group. */
  SparkSession session() {
    synchronized (this) {
      if (cancelled) {
        throw new CancellationException("cancelled");
      }
    }
    SparkSession session = target.session();
    SparkContext sc = session.sparkContext();
    synchronized (this) {
      if (context == null) {
        context = sc;
        // interruptOnCancel: cancelling the group interrupts the threads of its tasks too.
        sc.setJobGroup(jobGroup, description, true);
      }
      if (cancelled) {
        throw new CancellationException("cancelled");
      }
    }
    return session;
  }

  /** Cancels the attempt's Spark jobs, and refuses it the session from now on. */
  void cancel() {
    SparkContext used;
    synchronized (this) {
      cancelled = true;
      used = context;
    }
    if (used != null && !used.isStopped()) {
      used.cancelJobGroup(jobGroup);
    }
  }

  @FunctionalInterface
  interface ThrowingRunnable {
    void run() throws Exception;
  }
}
