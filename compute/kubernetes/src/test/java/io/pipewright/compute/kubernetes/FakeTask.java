package io.pipewright.compute.kubernetes;

import io.pipewright.Resources;
import io.pipewright.spi.RunnerAttempt;
import io.pipewright.spi.StepDescription;
import io.pipewright.spi.StepTask;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** An attempt as the engine hands it over, recording what the target does with it. */
final class FakeTask implements StepTask {
  static final String FINGERPRINT = "sha256:" + "ab12".repeat(16);
  final List<String> events = new CopyOnWriteArrayList<>();
  final AtomicInteger starts = new AtomicInteger();
  final AtomicInteger completes = new AtomicInteger();
  private final String step;
  private final Resources resources;
  private final Duration timeout;
  volatile Exception completeFailure;

  FakeTask(String step, Resources resources, Duration timeout) {
    this.step = step;
    this.resources = resources;
    this.timeout = timeout;
  }

  FakeTask(String step) {
    this(step, Resources.DEFAULT, null);
  }

  @Override
  public String runId() {
    return "7f3c21a0-5b0e-4c1d-9e2f-0123456789ab";
  }

  @Override
  public String pipeline() {
    return "digits";
  }

  @Override
  public String stepName() {
    return step;
  }

  @Override
  public String fingerprint() {
    return FINGERPRINT;
  }

  @Override
  public int attempt() {
    return 1;
  }

  @Override
  public Resources resources() {
    return resources;
  }

  @Override
  public Optional<Duration> timeout() {
    return Optional.ofNullable(timeout);
  }

  @Override
  public void execute() {
    throw new UnsupportedOperationException("runs through the step runner only");
  }

  @Override
  public Optional<RunnerAttempt> outOfProcess() {
    return Optional.of(new RunnerAttempt() {
      @Override
      public StepDescription start() {
        throw new UnsupportedOperationException("a kubernetes target starts remote runners only");
      }

      @Override
      public StepDescription startRemote() {
        starts.incrementAndGet();
        return new StepDescription(KubernetesManifests.STEP_RUNNER, List.of("--datastore",
            "azureblob://acct/ml/ws", "runs/" + runId() + "/" + step + "/1/attempt.json"), Path.of("attempt.json"));
      }

      @Override
      public void event(String line) {
        events.add(line);
      }

      @Override
      public void complete() throws Exception {
        completes.incrementAndGet();
        if (completeFailure != null) {
          throw completeFailure;
        }
      }
    });
  }
}
