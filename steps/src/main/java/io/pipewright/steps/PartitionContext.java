package io.pipewright.steps;

import io.pipewright.Dataset;
import io.pipewright.Fingerprint;
import io.pipewright.Metrics;
import io.pipewright.Model;
import io.pipewright.Step;
import io.pipewright.StepContext;
import io.pipewright.StepException;
import io.pipewright.WorkUnits;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.slf4j.Logger;

/**
 * The step's context as one partition attempt sees it: calls are serialised on a lock all partitions share (the
 * step's context is made for one thread), the scratch folder is the attempt's own, and the gathered output is off
 * limits. {@link #keepFromReuse} is the partition's: its result is gathered but not stored, and the step's output is
 * kept from reuse, so that the next run computes this partition again (and only the partitions like it).
 */
final class PartitionContext implements StepContext {
  private final StepContext step;
  private final Object lock;
  private final Logger log;
  private final String gathered;
  private final Path scratch;
  private volatile String keptFromReuse;

  /**
   * @param log the step's logger, taken on the step's thread
   * @param gathered the output the step gathers into
   * @param scratch this attempt's scratch folder, created on first use
   */
  PartitionContext(StepContext step, Object lock, Logger log, String gathered, Path scratch) {
    this.step = step;
    this.lock = lock;
    this.log = log;
    this.gathered = gathered;
    this.scratch = scratch;
  }

  @Override
  public String runId() {
    return step.runId();
  }

  @Override
  public String stepName() {
    return step.stepName();
  }

  @Override
  public int attempt() {
    return step.attempt();
  }

  @Override
  public Step step() {
    return step.step(); // immutable
  }

  @Override
  public Fingerprint fingerprint() {
    return step.fingerprint();
  }

  @Override
  public Path input(String name) {
    synchronized (lock) {
      return step.input(name);
    }
  }

  @Override
  public Dataset dataset(String name) {
    synchronized (lock) {
      return step.dataset(name);
    }
  }

  @Override
  public Model model(String name) {
    synchronized (lock) {
      return step.model(name);
    }
  }

  @Override
  public Metrics metrics(String name) {
    synchronized (lock) {
      return step.metrics(name);
    }
  }

  @Override
  public <T> T value(String name, Class<T> type) {
    synchronized (lock) {
      return step.value(name, type);
    }
  }

  @Override
  public Object param(String name) {
    synchronized (lock) {
      return step.param(name);
    }
  }

  @Override
  public int intParam(String name) {
    synchronized (lock) {
      return step.intParam(name);
    }
  }

  @Override
  public long longParam(String name) {
    synchronized (lock) {
      return step.longParam(name);
    }
  }

  @Override
  public double doubleParam(String name) {
    synchronized (lock) {
      return step.doubleParam(name);
    }
  }

  @Override
  public String stringParam(String name) {
    synchronized (lock) {
      return step.stringParam(name);
    }
  }

  @Override
  public boolean booleanParam(String name) {
    synchronized (lock) {
      return step.booleanParam(name);
    }
  }

  @Override
  public Path outputDir(String name) {
    if (gathered.equals(name)) {
      throw StepException.nonRetryable("write into the outputDir handed to the partition function, not into"
          + " ctx.outputDir(\"" + name + "\"): the step gathers the partitions' folders into it");
    }
    synchronized (lock) {
      return step.outputDir(name);
    }
  }

  @Override
  public void write(String name, Object value) {
    synchronized (lock) {
      step.write(name, value);
    }
  }

  @Override
  public void modelMetadata(String name, Map<String, ?> metadata) {
    synchronized (lock) {
      step.modelMetadata(name, metadata);
    }
  }

  @Override
  public Path tempDir() {
    try {
      return Files.createDirectories(scratch);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the partition's scratch folder " + scratch, e);
    }
  }

  @Override
  public Path sourceSnapshot() {
    synchronized (lock) {
      return step.sourceSnapshot();
    }
  }

  @Override
  public void registerModel(String name, String inputOrOutput, io.pipewright.ModelOptions options) {
    throw StepException.nonRetryable("step '" + step.stepName() + "': a partition cannot register models: register"
        + " the gathered model in a step after the parallel one");
  }

  @Override
  public WorkUnits units() {
    return step.units();
  }

  /**
   * Keeps this partition's result from reuse: it is part of this run's output, but not stored, and the step keeps
   * its output from reuse, naming this partition and {@code reason}; the next run computes the partition again.
   */
  @Override
  public void keepFromReuse(String reason) {
    if (reason == null || reason.isBlank()) {
      throw StepException.nonRetryable("step '" + step.stepName() + "': keepFromReuse needs a reason");
    }
    keptFromReuse = reason;
  }

  /** Why the partition kept its result from reuse, or null. */
  String keptFromReuse() {
    return keptFromReuse;
  }

  @Override
  public void metric(String name, double value) {
    synchronized (lock) {
      step.metric(name, value);
    }
  }

  @Override
  public Logger log() {
    return log;
  }
}
