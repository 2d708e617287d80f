package io.pipewright;

import static org.assertj.core.api.Assertions.assertThat;

import io.pipewright.spi.Capacity;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Core's accounting of each target's capacity, across all runs of a workspace: a target is handed only what fits, a
 * step that does not fit stays QUEUED, and whatever ends an attempt gives its share back. The target here runs
 * whatever it is given, so only the accounting keeps steps apart. Overlap is proven with barriers and the run's own
 * snapshot; waits are bounded only to fail instead of hanging.
 */
class CapacityAccountingTest {
  private static final long WAIT = 10;

  @TempDir
  Path tmp;

  private FixedCapacityTarget gpus;
  private Workspace ws;

  @BeforeEach
  void open() {
    gpus = new FixedCapacityTarget(new Capacity(8, 8L << 30, 3, 8));
    ws = Workspace.builder(tmp.resolve("ws")).target("gpu", gpus).open();
  }

  @AfterEach
  void close() {
    ws.close();
  }

  private static void await(CountDownLatch latch) throws InterruptedException {
    assertThat(latch.await(WAIT, TimeUnit.SECONDS)).as("latch released in time").isTrue();
  }

  /** Listens for a step's start and queueing. */
  private static final class Events implements RunListener {
    final CountDownLatch started = new CountDownLatch(1);
    final CountDownLatch queued;

    Events(int steps) {
      queued = new CountDownLatch(steps);
    }

    @Override
    public void onEvent(RunEvent event) {
      if (event instanceof RunEvent.StepStarted) {
        started.countDown();
      } else if (event instanceof RunEvent.StepQueued) {
        queued.countDown();
      }
    }
  }

  @Test
  void twoStepsEachNeedingTwoOfThreeGpusNeverOverlap() throws Exception {
    AtomicInteger running = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    CountDownLatch release = new CountDownLatch(1);
    Pipeline p = Pipeline.named("p");
    for (String name : List.of("a", "b")) {
      p.step(name).on("gpu").resources(r -> r.gpus(2)).runs(ctx -> {
        most.accumulateAndGet(running.incrementAndGet(), Math::max);
        try {
          release.await();
        } finally {
          running.decrementAndGet();
        }
      });
    }
    Events events = new Events(2);

    RunHandle handle = ws.submit(p, RunOptions.defaults().listener(events));
    await(events.started);
    await(events.queued);
    // The snapshot takes the run's lock, so every dispatch decided so far has been carried out.
    Run now = handle.snapshot();

    assertThat(now.steps()).extracting(StepRun::status)
        .containsExactlyInAnyOrder(StepStatus.RUNNING, StepStatus.QUEUED);
    assertThat(gpus.submitted.get()).isEqualTo(1);
    release.countDown();
    Run run = handle.await();
    assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(most.get()).isEqualTo(1);
    assertThat(gpus.submitted.get()).isEqualTo(2);
  }

  @Test
  void stepsWithinCapacityRunInParallel() {
    CyclicBarrier all = new CyclicBarrier(3);
    Pipeline p = Pipeline.named("p");
    for (String name : List.of("a", "b", "c")) {
      p.step(name).on("gpu").resources(r -> r.gpus(1)).runs(ctx -> all.await(WAIT, TimeUnit.SECONDS));
    }

    Run run = ws.submit(p).await();

    assertThat(run.status()).as(String.valueOf(run)).isEqualTo(RunStatus.SUCCEEDED);
  }

  @Test
  void capacityIsSharedByEveryRunOfTheWorkspace() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    Pipeline holder = Pipeline.named("holder");
    holder.step("hold").on("gpu").resources(r -> r.gpus(2)).runs(ctx -> release.await());
    Pipeline waiter = Pipeline.named("waiter");
    waiter.step("wait").on("gpu").resources(r -> r.gpus(2)).runs(ctx -> { });
    Events first = new Events(1);
    Events second = new Events(1);

    RunHandle one = ws.submit(holder, RunOptions.defaults().listener(first));
    await(first.started);
    RunHandle two = ws.submit(waiter, RunOptions.defaults().listener(second));
    await(second.queued);

    assertThat(two.snapshot().step("wait").status()).isEqualTo(StepStatus.QUEUED);
    release.countDown();
    assertThat(one.await().status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(two.await().status()).isEqualTo(RunStatus.SUCCEEDED);
  }

  @Test
  void cancellingARunGivesItsShareBack() throws Exception {
    Pipeline holder = Pipeline.named("holder");
    holder.step("hold").on("gpu").resources(r -> r.gpus(3)).runs(ctx -> new CountDownLatch(1).await());
    Pipeline waiter = Pipeline.named("waiter");
    waiter.step("wait").on("gpu").resources(r -> r.gpus(3)).runs(ctx -> { });
    Events first = new Events(1);
    Events second = new Events(1);
    RunHandle one = ws.submit(holder, RunOptions.defaults().listener(first));
    await(first.started);
    RunHandle two = ws.submit(waiter, RunOptions.defaults().listener(second));
    await(second.queued);

    one.cancel();

    assertThat(one.await().status()).isEqualTo(RunStatus.CANCELLED);
    assertThat(two.await().status()).isEqualTo(RunStatus.SUCCEEDED);
  }

  @Test
  void aStepCancelledWhileWaitingForItsTargetNeverStartsAndTakesNothing() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    Pipeline holder = Pipeline.named("holder");
    holder.step("hold").on("gpu").resources(r -> r.gpus(2)).runs(ctx -> release.await());
    Pipeline waiter = Pipeline.named("waiter");
    waiter.step("wait").on("gpu").resources(r -> r.gpus(2)).runs(ctx -> { });
    Pipeline after = Pipeline.named("after");
    after.step("three").on("gpu").resources(r -> r.gpus(3)).runs(ctx -> { });
    Events first = new Events(1);
    Events second = new Events(1);
    RunHandle one = ws.submit(holder, RunOptions.defaults().listener(first));
    await(first.started);
    RunHandle two = ws.submit(waiter, RunOptions.defaults().listener(second));
    await(second.queued);

    two.cancel();
    Run cancelled = two.await();
    release.countDown();

    assertThat(cancelled.status()).isEqualTo(RunStatus.CANCELLED);
    assertThat(cancelled.step("wait").status()).isEqualTo(StepStatus.CANCELLED);
    assertThat(cancelled.step("wait").startedAt()).isNull();
    assertThat(one.await().status()).isEqualTo(RunStatus.SUCCEEDED);
    // All three GPUs are free again: the cancelled waiter holds none.
    assertThat(ws.submit(after).await().status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(gpus.submitted.get()).isEqualTo(2);
  }

  @Test
  void aFailedOrTimedOutAttemptGivesItsShareBack() {
    Pipeline p = Pipeline.named("p");
    p.step("fails").on("gpu").resources(r -> r.gpus(3)).runs(ctx -> {
      throw StepException.nonRetryable("no luck");
    });
    p.step("hangs").on("gpu").resources(r -> r.gpus(3)).timeout(Duration.ofMillis(50))
        .runs(ctx -> new CountDownLatch(1).await());
    p.step("runs").on("gpu").resources(r -> r.gpus(3)).runs(ctx -> { });

    Run run = ws.submit(p).await();

    assertThat(run.step("fails").status()).isEqualTo(StepStatus.FAILED);
    assertThat(run.step("hangs").status()).isEqualTo(StepStatus.FAILED);
    assertThat(run.step("hangs").error()).contains("timed out");
    assertThat(run.step("runs").status()).isEqualTo(StepStatus.SUCCEEDED);
  }
}
