package io.pipewright;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.pipewright.spi.Capacity;
import io.pipewright.spi.ComputeTarget;
import io.pipewright.spi.Execution;
import io.pipewright.spi.StepTask;
import io.pipewright.testlog.CapturedLogs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.MDC;
import org.slf4j.event.Level;

/**
 * The scheduler: concurrency, ordering, failure, fail-fast, retries, timeouts, cancellation and events. Overlap and
 * order are proven with latches and barriers; waits are bounded only to fail instead of hanging.
 */
class SchedulerTest {
  private static final long WAIT = 10;

  @TempDir
  Path tmp;

  private Workspace open(int threads) {
    return Workspace.builder(tmp.resolve("ws")).localThreads(threads).open();
  }

  /** Another workspace on the same folder: what a later process would read from the store. */
  private Run stored(String runId) {
    try (Workspace other = Workspace.open(tmp.resolve("ws"))) {
      return other.runs().get(runId);
    }
  }

  private static void await(CountDownLatch latch) throws InterruptedException {
    assertThat(latch.await(WAIT, TimeUnit.SECONDS)).as("latch released in time").isTrue();
  }

  /**
   * Occupies every one of the local target's threads at once: when this returns, each thread has finished whatever it
   * took from the queue before, so a body that has not run by then never will.
   */
  private static void drainLocalThreads(Workspace ws, int threads) {
    CyclicBarrier all = new CyclicBarrier(threads);
    Pipeline p = Pipeline.named("drain");
    for (int i = 0; i < threads; i++) {
      p.step("t" + i).runs(ctx -> all.await(WAIT, TimeUnit.SECONDS));
    }
    assertThat(ws.submit(p).await().status()).isEqualTo(RunStatus.SUCCEEDED);
  }

  @Test
  void runsIndependentStepsAtTheSameTime() {
    CyclicBarrier both = new CyclicBarrier(2);
    Pipeline p = Pipeline.named("p");
    p.step("left").runs(ctx -> both.await(WAIT, TimeUnit.SECONDS));
    p.step("right").runs(ctx -> both.await(WAIT, TimeUnit.SECONDS));

    try (Workspace ws = open(2)) {
      Run run = ws.submit(p).await();

      assertThat(run.status()).as(run.toString()).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(run.steps()).extracting(StepRun::status).containsOnly(StepStatus.SUCCEEDED);
    }
  }

  @Test
  void runsNoMoreStepsAtOnceThanTheTargetHasThreads() {
    AtomicInteger running = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    Pipeline p = Pipeline.named("p");
    for (int i = 0; i < 6; i++) {
      p.step("s" + i).runs(ctx -> {
        most.accumulateAndGet(running.incrementAndGet(), Math::max);
        Thread.sleep(30);
        running.decrementAndGet();
      });
    }

    try (Workspace ws = open(2)) {
      assertThat(ws.submit(p).await().status()).isEqualTo(RunStatus.SUCCEEDED);
    }
    assertThat(most.get()).isBetween(1, 2);
  }

  @Test
  void startsAStepOnlyAfterAllItsUpstreamsSucceeded() {
    Path marker = tmp.resolve("b-was-here");
    CountDownLatch aSucceeded = new CountDownLatch(1);
    Events events = new Events();
    RunListener releaseB = e -> {
      if (e instanceof RunEvent.StepSucceeded s && s.step().equals("a")) {
        aSucceeded.countDown();
      }
    };
    Pipeline p = Pipeline.named("p");
    Step a = p.step("a").produces("out", Dataset.class)
        .runs(ctx -> Files.writeString(ctx.outputDir("out").resolve("rows.csv"), "1\n2\n"));
    Step b = p.step("b").runs(ctx -> {
      await(aSucceeded); // so that b ends last: a scheduler that waited for a alone would start c too early
      Files.writeString(marker, "b");
    });
    List<String> seenByC = new CopyOnWriteArrayList<>();
    p.step("c").input("rows", a.dataset("out")).after(b).runs(ctx -> {
      seenByC.add(Files.readString(ctx.dataset("rows").file("rows.csv")));
      seenByC.add(Files.readString(marker));
    });

    try (Workspace ws = open(3)) {
      Run run = ws.submit(p, RunOptions.defaults().listener(releaseB).listener(events)).await();

      assertThat(run.status()).as(run.toString()).isEqualTo(RunStatus.SUCCEEDED);
    }
    assertThat(seenByC).containsExactly("1\n2\n", "b");
    int cQueued = events.indexOf(RunEvent.StepQueued.class, "c");
    assertThat(cQueued).isGreaterThan(events.indexOf(RunEvent.StepSucceeded.class, "a"))
        .isGreaterThan(events.indexOf(RunEvent.StepSucceeded.class, "b"));
  }

  @Test
  void skipsDependentsOfAFailedStepWithTheReasonAndFinishesIndependentBranches() {
    CountDownLatch aFailed = new CountDownLatch(1);
    RunListener watch = e -> {
      if (e instanceof RunEvent.StepFailed f && f.step().equals("a")) {
        aFailed.countDown();
      }
    };
    AtomicBoolean dependentRan = new AtomicBoolean();
    Pipeline p = Pipeline.named("p");
    Step a = p.step("a").produces("out", Dataset.class).runs(ctx -> {
      throw new StepException("bad rows in input");
    });
    Step b = p.step("b").input("in", a.dataset("out")).produces("out", Dataset.class)
        .runs(ctx -> dependentRan.set(true));
    p.step("c").input("in", b.dataset("out")).runs(ctx -> dependentRan.set(true));
    p.step("d").after(b).runs(ctx -> dependentRan.set(true));
    p.step("independent").runs(ctx -> await(aFailed)); // still running when a fails

    try (Workspace ws = open(2)) {
      Run run = ws.submit(p, RunOptions.defaults().listener(watch)).await();

      assertThat(run.status()).isEqualTo(RunStatus.FAILED);
      assertThat(run.error()).isEqualTo("step 'a' failed: bad rows in input");
      assertThat(run.step("a").status()).isEqualTo(StepStatus.FAILED);
      assertThat(run.step("a").error()).isEqualTo("bad rows in input");
      for (String dependent : List.of("b", "c", "d")) {
        assertThat(run.step(dependent).status()).as(dependent).isEqualTo(StepStatus.SKIPPED);
        assertThat(run.step(dependent).reason()).as(dependent).isEqualTo("upstream step 'a' failed");
        assertThat(run.step(dependent).startedAt()).as(dependent).isNull();
      }
      assertThat(run.step("independent").status()).isEqualTo(StepStatus.SUCCEEDED);
      assertThat(dependentRan).isFalse();

      Run stored = stored(run.id());
      assertThat(stored.status()).isEqualTo(RunStatus.FAILED);
      assertThat(stored.error()).isEqualTo("step 'a' failed: bad rows in input");
      assertThat(stored.step("c").status()).isEqualTo(StepStatus.SKIPPED);
      assertThat(stored.step("c").reason()).isEqualTo("upstream step 'a' failed");
      assertThat(stored.step("independent").status()).isEqualTo(StepStatus.SUCCEEDED);
    }
  }

  @Test
  void failFastCancelsRunningStepsAndSkipsTheOnesNotStarted() throws Exception {
    CountDownLatch slowStarted = new CountDownLatch(1);
    CountDownLatch slowInterrupted = new CountDownLatch(1);
    AtomicBoolean notStartedRan = new AtomicBoolean();
    Pipeline p = Pipeline.named("p");
    Step slow = p.step("slow").runs(ctx -> {
      slowStarted.countDown();
      try {
        Thread.sleep(TimeUnit.SECONDS.toMillis(60));
      } catch (InterruptedException e) {
        slowInterrupted.countDown();
        throw e;
      }
    });
    p.step("bad").runs(ctx -> {
      await(slowStarted);
      throw new IllegalStateException("boom");
    });
    p.step("queued").runs(ctx -> notStartedRan.set(true)); // waits for one of the two threads
    p.step("pending").after(slow).runs(ctx -> notStartedRan.set(true));

    try (Workspace ws = open(2)) {
      Run run = ws.submit(p, RunOptions.defaults().failFast(true)).await();
      drainLocalThreads(ws, 2);

      String reason = "fail-fast: step 'bad' failed";
      assertThat(run.status()).isEqualTo(RunStatus.FAILED);
      assertThat(run.error()).isEqualTo("step 'bad' failed: IllegalStateException: boom");
      assertThat(run.step("bad").status()).isEqualTo(StepStatus.FAILED);
      assertThat(run.step("slow").status()).isEqualTo(StepStatus.CANCELLED);
      assertThat(run.step("slow").reason()).isEqualTo(reason);
      await(slowInterrupted);
      assertThat(run.step("queued").status()).isEqualTo(StepStatus.SKIPPED);
      assertThat(run.step("queued").reason()).isEqualTo(reason);
      assertThat(run.step("pending").status()).isEqualTo(StepStatus.SKIPPED);
      assertThat(run.step("pending").reason()).isEqualTo(reason);
      assertThat(notStartedRan).isFalse();

      Run stored = stored(run.id());
      assertThat(stored.steps()).extracting(StepRun::status).containsExactly(StepStatus.CANCELLED,
          StepStatus.FAILED, StepStatus.SKIPPED, StepStatus.SKIPPED);
    }
  }

  @Test
  void withoutFailFastRunningStepsFinishAfterAnotherFails() {
    CountDownLatch badFailed = new CountDownLatch(1);
    RunListener watch = e -> {
      if (e instanceof RunEvent.StepFailed) {
        badFailed.countDown();
      }
    };
    Pipeline p = Pipeline.named("p");
    p.step("bad").runs(ctx -> {
      throw new IllegalStateException("boom");
    });
    p.step("slow").runs(ctx -> await(badFailed));

    try (Workspace ws = open(2)) {
      Run run = ws.submit(p, RunOptions.defaults().listener(watch)).await();

      assertThat(run.status()).isEqualTo(RunStatus.FAILED);
      assertThat(run.step("slow").status()).isEqualTo(StepStatus.SUCCEEDED);
    }
  }

  @Test
  void retriesAFailingStepWithBackoffUntilItSucceeds() {
    List<Integer> attemptsSeen = new CopyOnWriteArrayList<>();
    Events events = new Events();
    Pipeline p = Pipeline.named("p");
    p.step("flaky").retry(RetryPolicy.retries(2).withBackoff(Duration.ofMillis(10))).produces("n", Long.class)
        .runs(ctx -> {
          attemptsSeen.add(ctx.attempt());
          if (ctx.attempt() < 3) {
            throw new IllegalStateException("flaky " + ctx.attempt());
          }
          ctx.write("n", 7L);
        });

    try (Workspace ws = open(2)) {
      Run run = ws.submit(p, RunOptions.defaults().listener(events)).await();

      assertThat(run.status()).as(run.toString()).isEqualTo(RunStatus.SUCCEEDED);
      StepRun flaky = run.step("flaky");
      assertThat(flaky.status()).isEqualTo(StepStatus.SUCCEEDED);
      assertThat(flaky.attempts()).isEqualTo(3);
      assertThat(flaky.error()).isNull();
      assertThat(attemptsSeen).containsExactly(1, 2, 3);
      assertThat(events.of(RunEvent.StepRetrying.class))
          .extracting(RunEvent.StepRetrying::attempt, RunEvent.StepRetrying::delay, RunEvent.StepRetrying::error)
          .containsExactly(
              tuple(1, Duration.ofMillis(10), "IllegalStateException: flaky 1"),
              tuple(2, Duration.ofMillis(10), "IllegalStateException: flaky 2"));
      assertThat(events.of(RunEvent.StepStarted.class)).extracting(RunEvent.StepStarted::attempt)
          .containsExactly(1, 2, 3);

      StepRun stored = stored(run.id()).step("flaky");
      assertThat(stored.status()).isEqualTo(StepStatus.SUCCEEDED);
      assertThat(stored.attempts()).isEqualTo(3);
      assertThat(stored.error()).isNull();
    }
  }

  @Test
  void failsWithTheLastErrorOnceTheRetriesAreSpent() {
    AtomicInteger calls = new AtomicInteger();
    Pipeline p = Pipeline.named("p");
    p.step("broken").retry(RetryPolicy.retries(1).withBackoff(Duration.ofMillis(1))).runs(ctx -> {
      throw new IllegalStateException("attempt " + calls.incrementAndGet());
    });

    try (Workspace ws = open(1)) {
      Run run = ws.submit(p).await();

      assertThat(run.step("broken").status()).isEqualTo(StepStatus.FAILED);
      assertThat(run.step("broken").attempts()).isEqualTo(2);
      assertThat(run.step("broken").error()).isEqualTo("IllegalStateException: attempt 2");
      assertThat(calls).hasValue(2);
    }
  }

  @Test
  void doesNotRetryANonRetryableFailure() {
    AtomicInteger calls = new AtomicInteger();
    Events events = new Events();
    Pipeline p = Pipeline.named("p");
    p.step("strict").retry(RetryPolicy.retries(3).withBackoff(Duration.ofMillis(1))).runs(ctx -> {
      calls.incrementAndGet();
      throw StepException.nonRetryable("column 'label' is missing");
    });

    try (Workspace ws = open(1)) {
      Run run = ws.submit(p, RunOptions.defaults().listener(events)).await();

      assertThat(run.step("strict").status()).isEqualTo(StepStatus.FAILED);
      assertThat(run.step("strict").attempts()).isEqualTo(1);
      assertThat(run.step("strict").error()).isEqualTo("column 'label' is missing");
      assertThat(calls).hasValue(1);
      assertThat(events.of(RunEvent.StepRetrying.class)).isEmpty();
    }
  }

  /** A body given as a class gets a fresh instance for each attempt. */
  static final class CountsItsRuns implements StepBody {
    static final Map<String, List<CountsItsRuns>> INSTANCES = new ConcurrentHashMap<>();
    private int runs;

    @Override
    public void run(StepContext ctx) {
      runs++;
      INSTANCES.computeIfAbsent(ctx.runId(), k -> new CopyOnWriteArrayList<>()).add(this);
      if (ctx.attempt() == 1) {
        throw new IllegalStateException("first attempt fails");
      }
    }
  }

  @Test
  void createsABodyGivenAsAClassAfreshForEachAttempt() {
    Pipeline p = Pipeline.named("p");
    p.step("s").retry(RetryPolicy.retries(1).withBackoff(Duration.ofMillis(1))).runs(CountsItsRuns.class);

    try (Workspace ws = open(1)) {
      Run run = ws.submit(p).await();

      assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
      List<CountsItsRuns> bodies = CountsItsRuns.INSTANCES.remove(run.id());
      assertThat(bodies).hasSize(2).doesNotHaveDuplicates();
      assertThat(bodies).allSatisfy(b -> assertThat(b.runs).isEqualTo(1));
    }
  }

  @Test
  void timesOutAStepByInterruptingIt() throws Exception {
    CountDownLatch interrupted = new CountDownLatch(1);
    Pipeline p = Pipeline.named("p");
    p.step("sleepy").timeout(Duration.ofMillis(200)).runs(ctx -> {
      try {
        Thread.sleep(TimeUnit.SECONDS.toMillis(60));
      } catch (InterruptedException e) {
        interrupted.countDown();
        throw e;
      }
    });

    try (Workspace ws = open(1)) {
      Run run = ws.submit(p).await();

      assertThat(run.status()).isEqualTo(RunStatus.FAILED);
      assertThat(run.step("sleepy").status()).isEqualTo(StepStatus.FAILED);
      assertThat(run.step("sleepy").error()).isEqualTo("step 'sleepy' timed out after 200 ms");
      assertThat(run.error()).isEqualTo("step 'sleepy' timed out after 200 ms");
      await(interrupted);
      assertThat(stored(run.id()).step("sleepy").error()).isEqualTo("step 'sleepy' timed out after 200 ms");
    }
  }

  @Test
  void retriesAStepThatTimedOutWhenThePolicySaysSo() {
    Events events = new Events();
    Pipeline p = Pipeline.named("p");
    p.step("sleepy").timeout(Duration.ofMillis(300)).retry(RetryPolicy.retries(1).withBackoff(Duration.ofMillis(10)))
        .runs(ctx -> {
          if (ctx.attempt() == 1) {
            Thread.sleep(TimeUnit.SECONDS.toMillis(60));
          }
        });

    try (Workspace ws = open(1)) {
      Run run = ws.submit(p, RunOptions.defaults().listener(events)).await();

      assertThat(run.status()).as(run.toString()).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(run.step("sleepy").attempts()).isEqualTo(2);
      assertThat(events.of(RunEvent.StepRetrying.class)).extracting(RunEvent.StepRetrying::error)
          .containsExactly("step 'sleepy' timed out after 300 ms");
    }
  }

  @Test
  void aStepsTimeoutCountsOnlyTheTimeItRunsNotTheTimeItWaitsForAThread() {
    Pipeline p = Pipeline.named("p");
    p.step("first").runs(ctx -> Thread.sleep(1200));
    p.step("second").timeout(Duration.ofMillis(400)).runs(ctx -> {}); // queued behind first, on one thread

    try (Workspace ws = open(1)) {
      Run run = ws.submit(p).await();

      assertThat(run.step("second").status()).as(run.step("second").toString()).isEqualTo(StepStatus.SUCCEEDED);
      assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
    }
  }

  @Test
  void cancellingARunInterruptsRunningStepsAndNeverStartsQueuedOnes() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch interrupted = new CountDownLatch(1);
    AtomicBoolean queuedRan = new AtomicBoolean();
    Pipeline p = Pipeline.named("p");
    p.step("running").runs(ctx -> {
      started.countDown();
      try {
        Thread.sleep(TimeUnit.SECONDS.toMillis(60));
      } catch (InterruptedException e) {
        interrupted.countDown();
        throw e;
      }
    });
    p.step("queued").runs(ctx -> queuedRan.set(true));

    try (Workspace ws = open(1)) {
      RunHandle handle = ws.submit(p);
      await(started);
      handle.cancel();
      Run run = handle.await();
      drainLocalThreads(ws, 1);

      assertThat(run.status()).isEqualTo(RunStatus.CANCELLED);
      assertThat(run.error()).isEqualTo("run cancelled");
      assertThat(run.step("running").status()).isEqualTo(StepStatus.CANCELLED);
      assertThat(run.step("running").reason()).isEqualTo("run cancelled");
      assertThat(run.step("queued").status()).isEqualTo(StepStatus.CANCELLED);
      assertThat(run.step("queued").reason()).isEqualTo("run cancelled");
      assertThat(run.step("queued").startedAt()).isNull();
      await(interrupted);
      assertThat(queuedRan).isFalse();

      Run stored = stored(run.id());
      assertThat(stored.status()).isEqualTo(RunStatus.CANCELLED);
      assertThat(stored.error()).isEqualTo("run cancelled");
      assertThat(stored.steps()).extracting(StepRun::status).containsOnly(StepStatus.CANCELLED);
      assertThat(stored.step("queued").attempts()).isZero();
      assertThat(run.step("queued").attempts()).isZero();
    }
  }

  @Test
  void cancellingAFinishedRunChangesNothing() {
    Pipeline p = Pipeline.named("p");
    p.step("a").runs(ctx -> {});

    try (Workspace ws = open(1)) {
      RunHandle handle = ws.submit(p);
      Run run = handle.await();
      handle.cancel();

      assertThat(handle.snapshot().status()).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(stored(run.id()).status()).isEqualTo(RunStatus.SUCCEEDED);
    }
  }

  @Test
  void closingTheWorkspaceCancelsItsActiveRuns() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    Pipeline p = Pipeline.named("p");
    p.step("long").runs(ctx -> {
      started.countDown();
      Thread.sleep(TimeUnit.SECONDS.toMillis(60));
    });

    RunHandle handle;
    Workspace ws = open(1);
    try {
      handle = ws.submit(p);
      await(started);
    } finally {
      ws.close();
    }

    Run run = handle.await(Duration.ofSeconds(WAIT)).orElseThrow();
    assertThat(run.status()).isEqualTo(RunStatus.CANCELLED);
    assertThat(run.error()).isEqualTo("the workspace was closed");
    Run stored = stored(run.id());
    assertThat(stored.status()).isEqualTo(RunStatus.CANCELLED);
    assertThat(stored.step("long").reason()).isEqualTo("the workspace was closed");
    assertThatThrownBy(() -> ws.submit(p)).isInstanceOf(IllegalStateException.class)
        .hasMessage("workspace " + tmp.resolve("ws").toAbsolutePath() + " is closed");
  }

  @Test
  void anEmptyPipelineSucceedsAtOnce() {
    try (Workspace ws = open(1)) {
      Run run = ws.submit(Pipeline.named("empty")).await();

      assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(run.steps()).isEmpty();
      assertThat(stored(run.id()).status()).isEqualTo(RunStatus.SUCCEEDED);
    }
  }

  @Test
  void listenersReceiveTheRunsEventsInOrder() {
    Events events = new Events();
    Pipeline p = Pipeline.named("p").parameter("n", 2);
    Step a = p.step("a").produces("out", Long.class).uses("n").runs(ctx -> {
      ctx.log().info("n is {}", ctx.intParam("n"));
      ctx.metric("rows", 10);
      ctx.write("out", ctx.longParam("n"));
    });
    p.step("b").input("in", a.value("out", Long.class)).runs(ctx -> {});

    try (Workspace ws = open(2)) {
      RunHandle handle = ws.submit(p, RunOptions.defaults().listener(events));
      Run run = handle.await();

      assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(events.names()).containsExactly(
          "RunStarted",
          "StepFingerprinted a", "StepQueued a", "StepStarted a", "Log a", "Metric a", "StepSucceeded a",
          "StepFingerprinted b", "StepQueued b", "StepStarted b", "StepSucceeded b",
          "RunFinished");
      assertThat(events.all()).extracting(RunEvent::runId).containsOnly(handle.id());
      assertThat(events.of(RunEvent.RunStarted.class).get(0))
          .extracting(RunEvent.RunStarted::pipeline, RunEvent.RunStarted::parameters)
          .containsExactly("p", Map.of("n", 2L));
      assertThat(events.of(RunEvent.StepQueued.class)).extracting(RunEvent.StepQueued::target)
          .containsOnly("local");
      assertThat(events.of(RunEvent.Log.class).get(0))
          .extracting(RunEvent.Log::level, RunEvent.Log::message).containsExactly("INFO", "n is 2");
      assertThat(events.of(RunEvent.Metric.class).get(0))
          .extracting(RunEvent.Metric::name, RunEvent.Metric::value).containsExactly("rows", 10.0);
      assertThat(events.of(RunEvent.StepSucceeded.class).get(0).outputs()).containsOnlyKeys("out");
      assertThat(events.of(RunEvent.RunFinished.class).get(0))
          .extracting(RunEvent.RunFinished::status, RunEvent.RunFinished::error)
          .containsExactly(RunStatus.SUCCEEDED, null);
    }
  }

  @Test
  void stepBodiesRunWithTheRunAndStepInTheMdc() {
    Map<String, String> seen = new ConcurrentHashMap<>();
    Pipeline p = Pipeline.named("p");
    Step a = p.step("a").runs(ctx -> {
      seen.put("a", MDC.get("pipewright.run") + "/" + MDC.get("pipewright.step"));
      ctx.log().info("from a");
    });
    p.step("b").after(a).runs(ctx -> seen.put("b", MDC.get("pipewright.run") + "/" + MDC.get("pipewright.step")));

    try (Workspace ws = open(1)) {
      Run run = ws.submit(p).await();

      assertThat(seen).containsEntry("a", run.id() + "/a").containsEntry("b", run.id() + "/b");
      assertThat(CapturedLogs.ofRun(run.id()))
          .filteredOn(l -> l.logger().equals("io.pipewright.step.a"))
          .singleElement()
          .satisfies(l -> {
            assertThat(l.message()).isEqualTo("from a");
            assertThat(l.level()).isEqualTo(Level.INFO);
            assertThat(l.mdc()).containsEntry("pipewright.step", "a");
          });
    }
  }

  @Test
  void aListenerThatThrowsIsLoggedAndDoesNotBreakTheRunOrOtherListeners() {
    Events events = new Events();
    RunListener broken = e -> {
      throw new IllegalStateException("listener bug");
    };
    Pipeline p = Pipeline.named("p");
    p.step("a").runs(ctx -> ctx.log().info("hello"));

    try (Workspace ws = open(1)) {
      Run run = ws.submit(p, RunOptions.defaults().listener(broken).listener(events)).await();

      assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(events.names()).startsWith("RunStarted").endsWith("RunFinished").contains("Log a");
      assertThat(CapturedLogs.lines())
          .filteredOn(l -> l.level() == Level.WARN && l.message().startsWith("run " + run.id() + ": listener"))
          .hasSize(events.all().size())
          .anySatisfy(l -> assertThat(l.message()).endsWith("failed on RunFinished:"
              + " java.lang.IllegalStateException: listener bug"));
      assertThat(stored(run.id()).status()).isEqualTo(RunStatus.SUCCEEDED);
    }
  }

  @Test
  void aListenerThatThrowsAnErrorDoesNotLeaveTheRunHanging() {
    RunListener asserting = e -> {
      if (e instanceof RunEvent.StepSucceeded) {
        throw new AssertionError("a test's assertion inside a listener");
      }
    };
    Pipeline p = Pipeline.named("p");
    Step a = p.step("a").runs(ctx -> {});
    p.step("b").after(a).runs(ctx -> {});

    try (Workspace ws = open(1)) {
      Run run = ws.submit(p, RunOptions.defaults().listener(asserting)).await(Duration.ofSeconds(WAIT))
          .orElseThrow(() -> new AssertionError("the run never finished"));

      assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(run.steps()).extracting(StepRun::status).containsOnly(StepStatus.SUCCEEDED);
    }
  }

  @Test
  void aComputeTargetThatRefusesAStepFailsThatStep() {
    ComputeTarget refusing = new ComputeTarget() {
      @Override
      public String type() {
        return "refusing";
      }

      @Override
      public Capacity capacity() {
        return new Capacity(4, 1L << 30, 0, 1);
      }

      @Override
      public Execution submit(StepTask task) {
        throw new IllegalStateException("no slots left");
      }

      @Override
      public void close() {}
    };
    Pipeline p = Pipeline.named("p");
    Step remote = p.step("remote").on("cluster").runs(ctx -> {});
    p.step("after").after(remote).runs(ctx -> {});
    p.step("local").runs(ctx -> {});

    try (Workspace ws = Workspace.builder(tmp.resolve("ws")).target("cluster", refusing).open()) {
      Run run = ws.submit(p).await();

      assertThat(run.status()).isEqualTo(RunStatus.FAILED);
      assertThat(run.step("remote").status()).isEqualTo(StepStatus.FAILED);
      assertThat(run.step("remote").computeTarget()).isEqualTo("cluster");
      assertThat(run.step("remote").error())
          .isEqualTo("compute target 'cluster' refused the step: java.lang.IllegalStateException: no slots left");
      assertThat(run.step("after").status()).isEqualTo(StepStatus.SKIPPED);
      assertThat(run.step("local").status()).isEqualTo(StepStatus.SUCCEEDED);
    }
  }
}
