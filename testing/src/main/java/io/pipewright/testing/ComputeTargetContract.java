package io.pipewright.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.pipewright.Resources;
import io.pipewright.spi.Capacity;
import io.pipewright.spi.ComputeTarget;
import io.pipewright.spi.Execution;
import io.pipewright.spi.RunnerAttempt;
import io.pipewright.spi.StepDescription;
import io.pipewright.spi.StepTask;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link ComputeTarget} must do, as JUnit 5 tests: extend it, create a new target in {@link #newTarget()},
 * and the adapter is checked for running an attempt to completion, reporting a failure with its cause, never starting
 * an attempt cancelled before it started, interrupting and completing one cancelled while it runs, idempotent
 * cancel, running as many attempts at once as its capacity says, reporting a stable capacity, and closing: running
 * attempts stop and complete.
 *
 * <pre>{@code
 * class LocalTargetContractTest extends ComputeTargetContract {
 *   @Override
 *   protected ComputeTarget newTarget() {
 *     return ComputeTargets.create(ComputeTargetSettings.defaults("local", "local").with("threads", 2));
 *   }
 * }
 * }</pre>
 *
 * The tasks here run their body in {@link StepTask#execute()}, in this JVM: an adapter that runs steps in process
 * calls it where the step runs. One that runs them in another JVM ({@link ComputeTarget#runsOutOfProcess()}) uses
 * {@link StepTask#outOfProcess()} as for the engine's attempts: the description it gets starts {@link ContractRunner},
 * which connects back to this JVM, where the body runs while the child lives; killing the child interrupts the body,
 * and the child exits with 0 once the body ended. So the same tests check launching, stopping and completing real
 * processes. No test measures time: waits are bounded by {@link #patience()} only so that a broken adapter fails rather
 * than hangs.
 */
public abstract class ComputeTargetContract {
  private ComputeTarget target;
  private final List<CountDownLatch> gates = new ArrayList<>();

  /** A new target, for one test; the kit closes it after the test. */
  protected abstract ComputeTarget newTarget() throws Exception;

  /**
   * How many attempts the target runs at the same time, which the cancel-before-start test fills before it submits
   * the one it cancels. Default: the capacity's {@code maxConcurrentSteps}; override when the target runs more.
   */
  protected int slots() {
    return target.capacity().maxConcurrentSteps();
  }

  /** How long to wait for something that must happen before calling the adapter broken. Default 30 s. */
  protected Duration patience() {
    return Duration.ofSeconds(30);
  }

  /** The target under test. */
  protected final ComputeTarget target() {
    return target;
  }

  @BeforeEach
  void createTarget() throws Exception {
    target = newTarget();
    assertNotNull(target, "newTarget() returned null");
  }

  @AfterEach
  void closeTarget() {
    gates.forEach(CountDownLatch::countDown);
    target.close();
  }

  // ------------------------------------------------------------------ the contract

  @Test
  void runsAnAttemptAndCompletesNormally() throws Exception {
    Task task = new Task(() -> { });

    Execution execution = target.submit(task);

    assertNull(await(execution));
    assertEquals(1, task.executions.get());
  }

  @Test
  void reportsAFailureWithItsCause() {
    Task task = new Task(() -> {
      throw new IllegalStateException("boom in the body");
    });

    Throwable failure = failure(target.submit(task));

    assertInstanceOf(IllegalStateException.class, failure, () -> "the body's exception, was " + failure);
    assertTrue(String.valueOf(failure.getMessage()).contains("boom in the body"), failure::toString);
  }

  @Test
  void anAttemptCancelledBeforeItStartsNeverStarts() throws Exception {
    int slots = slots();
    CountDownLatch allStarted = new CountDownLatch(slots);
    CountDownLatch release = gate();
    List<Execution> blockers = new ArrayList<>();
    for (int i = 0; i < slots; i++) {
      blockers.add(target.submit(new Task(() -> {
        allStarted.countDown();
        release.await();
      })));
    }
    awaitLatch(allStarted, "all " + slots + " slots busy");
    Task late = new Task(() -> { });

    Execution cancelled = target.submit(late);
    cancelled.cancel();
    release.countDown();
    for (Execution blocker : blockers) {
      await(blocker);
    }
    // A probe submitted after the blockers ended completes only once the target has taken up what it had queued.
    await(target.submit(new Task(() -> { })));

    assertInstanceOf(CancellationException.class, failure(cancelled));
    assertEquals(0, late.executions.get(), "the cancelled attempt ran");
  }

  @Test
  void cancellingARunningAttemptInterruptsItAndCompletesIt() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch interrupted = new CountDownLatch(1);
    CountDownLatch never = gate();
    Execution execution = target.submit(new Task(() -> {
      started.countDown();
      try {
        never.await();
      } catch (InterruptedException e) {
        interrupted.countDown();
        throw e;
      }
    }));
    awaitLatch(started, "the attempt started");

    execution.cancel();

    assertInstanceOf(CancellationException.class, failure(execution));
    awaitLatch(interrupted, "the attempt was interrupted");
  }

  @Test
  void cancelIsIdempotentAndLeavesAFinishedAttemptAsItEnded() throws Exception {
    Execution done = target.submit(new Task(() -> { }));
    assertNull(await(done));
    done.cancel();
    done.cancel();
    assertNull(await(done), "cancel after the end changed the outcome");

    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch never = gate();
    Execution running = target.submit(new Task(() -> {
      started.countDown();
      never.await();
    }));
    awaitLatch(started, "the attempt started");
    running.cancel();
    running.cancel();
    assertInstanceOf(CancellationException.class, failure(running));
    running.cancel();
    assertInstanceOf(CancellationException.class, failure(running));
  }

  @Test
  void runsAsManyAttemptsAtOnceAsItsCapacitySays() throws Exception {
    int parties = Math.min(target.capacity().maxConcurrentSteps(), 8);
    CyclicBarrier together = new CyclicBarrier(parties);
    List<Execution> executions = new ArrayList<>();
    for (int i = 0; i < parties; i++) {
      executions.add(target.submit(new Task(() -> together.await(patience().toMillis(), TimeUnit.MILLISECONDS))));
    }
    for (Execution execution : executions) {
      assertNull(await(execution));
    }
  }

  @Test
  void reportsAStableCapacityAndItsType() {
    Capacity capacity = target.capacity();

    assertNotNull(capacity);
    assertEquals(capacity, target.capacity());
    assertTrue(capacity.maxConcurrentSteps() >= 1);
    assertNotNull(target.type());
    assertFalse(target.type().isBlank(), "type is blank");
  }

  @Test
  void closingStopsRunningAttemptsAndCompletesThem() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch never = gate();
    Execution running = target.submit(new Task(() -> {
      started.countDown();
      never.await();
    }));
    awaitLatch(started, "the attempt started");

    target.close();
    target.close();

    assertNotNull(failure(running), "a running attempt completed normally although the target was closed");
    try {
      Execution after = target.submit(new Task(() -> { }));
      assertNotNull(failure(after), "an attempt submitted after close succeeded");
    } catch (RuntimeException refused) {
      // refusing at submit is fine too
    }
  }

  // ------------------------------------------------------------------ helpers

  private CountDownLatch gate() {
    CountDownLatch gate = new CountDownLatch(1);
    gates.add(gate);
    return gate;
  }

  private void awaitLatch(CountDownLatch latch, String what) throws InterruptedException {
    assertTrue(latch.await(patience().toMillis(), TimeUnit.MILLISECONDS), "not in time: " + what);
  }

  /** Waits for a normal completion, failing with the cause otherwise. */
  private Void await(Execution execution) throws Exception {
    try {
      return execution.completion().toCompletableFuture().get(patience().toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      return fail("the attempt did not complete in " + patience());
    } catch (ExecutionException e) {
      return fail("the attempt failed: " + e.getCause(), e.getCause());
    }
  }

  /** Waits for an exceptional completion and returns its cause. */
  private Throwable failure(Execution execution) {
    CompletableFuture<Void> future = execution.completion().toCompletableFuture();
    try {
      future.get(patience().toMillis(), TimeUnit.MILLISECONDS);
      return fail("the attempt completed normally");
    } catch (TimeoutException e) {
      return fail("the attempt did not complete in " + patience());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return fail("interrupted");
    } catch (CancellationException e) {
      return e;
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      while (cause instanceof CompletionException && cause.getCause() != null) {
        cause = cause.getCause();
      }
      return cause;
    }
  }

  /** The body of a test attempt. */
  @FunctionalInterface
  protected interface Body {
    void run() throws Exception;
  }

  /** An attempt whose work is a body, counting how often the target executed it. */
  protected static final class Task implements StepTask {
    private static final AtomicInteger IDS = new AtomicInteger();
    private final Body body;
    private final String step = "step-" + IDS.incrementAndGet();
    final AtomicInteger executions = new AtomicInteger();

    protected Task(Body body) {
      this.body = body;
    }

    @Override
    public String runId() {
      return "contract";
    }

    @Override
    public String pipeline() {
      return "contract";
    }

    @Override
    public String stepName() {
      return step;
    }

    @Override
    public String fingerprint() {
      return "sha256:" + "0".repeat(64 - step.length()) + step.replace("step-", "").replace('-', '0');
    }

    @Override
    public int attempt() {
      return 1;
    }

    @Override
    public Resources resources() {
      return Resources.DEFAULT;
    }

    @Override
    public void execute() throws Exception {
      executions.incrementAndGet();
      body.run();
    }

    /** How often the target executed it. */
    public int executions() {
      return executions.get();
    }

    /** The attempt as a target that runs steps in another JVM runs it: see the class comment. */
    @Override
    public Optional<RunnerAttempt> outOfProcess() {
      return Optional.of(new Bridged());
    }

    private final class Bridged implements RunnerAttempt {
      private final CompletableFuture<Void> outcome = new CompletableFuture<>();

      @Override
      public StepDescription start() throws IOException {
        ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        server.setSoTimeout(60_000); // a child stopped before it connected
        String port = Integer.toString(server.getLocalPort());
        Path file = Files.createTempFile("pipewright-contract-", ".txt");
        Files.writeString(file, port);
        file.toFile().deleteOnExit();
        Thread serving = new Thread(() -> serve(server), step + "-body");
        serving.setDaemon(true);
        serving.start();
        return new StepDescription(ContractRunner.class.getName(), List.of(port), file);
      }

      private void serve(ServerSocket server) {
        try (server; Socket child = server.accept()) {
          Thread body = Thread.currentThread();
          Thread watcher = new Thread(() -> {
            try {
              if (child.getInputStream().read() < 0) {
                body.interrupt(); // the child is gone: stopped
              }
            } catch (IOException e) {
              body.interrupt();
            }
          }, step + "-watcher");
          watcher.setDaemon(true);
          watcher.start();
          try {
            execute();
            outcome.complete(null);
          } catch (Throwable t) {
            outcome.completeExceptionally(t);
          }
          child.getOutputStream().write(0);
          child.getOutputStream().flush();
        } catch (IOException e) {
          outcome.completeExceptionally(e);
        }
      }

      /**
       * The same description as {@link #start()}: a target that runs steps on other machines hands its arguments to
       * the runner wherever it starts it, so the test that plays the other machine must start the {@link
       * ContractRunner} on this one, reachable on the loopback address.
       */
      @Override
      public StepDescription startRemote() throws IOException {
        return start();
      }

      @Override
      public void event(String line) {
        // the contract runner prints nothing
      }

      @Override
      public void complete() throws Exception {
        try {
          outcome.get();
        } catch (ExecutionException e) {
          if (e.getCause() instanceof Exception cause) {
            throw cause;
          }
          throw e;
        }
      }
    }
  }
}
