package io.pipewright.internal.engine;

import io.pipewright.Resources;
import io.pipewright.StepException;
import io.pipewright.internal.util.Processes;
import io.pipewright.spi.Capacity;
import io.pipewright.spi.ComputeTarget;
import io.pipewright.spi.ComputeTargetSettings;
import io.pipewright.spi.Execution;
import io.pipewright.spi.RunnerAttempt;
import io.pipewright.spi.StepDescription;
import io.pipewright.spi.StepTask;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The {@code process} target: each attempt runs in a JVM of its own, started from {@code java.home} (or
 * {@code javaHome}) with this JVM's classpath, running the step runner over the description the engine wrote. Its
 * log lines and metrics come back live on the child's standard output; its outputs come back through the workspace
 * folder, or, {@code viaDatastore}, through the workspace's datastore only, as they would from another machine (see
 * {@link io.pipewright.spi.RunnerAttempt#startRemote()}). Cancelling an attempt (a timeout, a cancelled run, closing the
 * target) stops the child's whole process tree: SIGTERM, then SIGKILL after a grace period. Thread-safe.
 */
public final class ProcessTarget implements ComputeTarget {
  /** How long a child gets to end after SIGTERM before it is killed with SIGKILL. */
  static final Duration GRACE = Duration.ofSeconds(5);

  private final Capacity capacity;
  private final Path javaBin;
  private final List<String> jvmOptions;
  private final long defaultHeap;
  private final boolean viaDatastore;
  private final Map<String, String> childEnvironment;
  private final ExecutorService threads;
  private final Set<ProcessExecution> running = ConcurrentHashMap.newKeySet();

  /**
   * How the children are started.
   *
   * @param javaHome the Java installation whose {@code bin/java} starts them
   * @param options JVM options given to every child, before the main class
   * @param defaultHeap the {@code -Xmx} of a step that declares no memory, in bytes; 0 for the JVM's default
   * @param environment variables set for every child, on top of this JVM's environment
   */
  public record Jvm(Path javaHome, List<String> options, long defaultHeap, Map<String, String> environment) {
    public Jvm {
      Objects.requireNonNull(javaHome, "javaHome");
      options = List.copyOf(options);
      environment = Map.copyOf(environment);
    }

    /**
     * The settings every target that starts step runners on this machine shares: {@code javaHome} (default: this
     * JVM's), {@code jvmOptions}, {@code env}; {@code defaultHeap} is the {@code memory} setting, or 0.
     */
    public static Jvm of(ComputeTargetSettings settings) {
      return new Jvm(Path.of(settings.string("javaHome", System.getProperty("java.home"))),
          settings.strings("jvmOptions"), settings.size("memory", 0), settings.environment("env"));
    }
  }

  /**
   * @param capacity what validation and accounting use
   * @param jvm how the children are started
   * @param viaDatastore whether children exchange inputs, outputs and results with the engine through the workspace's
   *     datastore only, sharing no folder with it
   */
  public ProcessTarget(Capacity capacity, Jvm jvm, boolean viaDatastore) {
    this.viaDatastore = viaDatastore;
    this.javaBin = jvm.javaHome().resolve("bin").resolve("java");
    this.jvmOptions = jvm.options();
    this.defaultHeap = jvm.defaultHeap();
    this.childEnvironment = jvm.environment();
    this.capacity = Objects.requireNonNull(capacity, "capacity");
    AtomicInteger counter = new AtomicInteger();
    // As many threads as steps at once: the engine never hands over more, and an attempt cancelled while it waits
    // for one (when used without the engine) never starts.
    int slots = capacity.maxConcurrentSteps();
    this.threads = new java.util.concurrent.ThreadPoolExecutor(slots, slots, 0, java.util.concurrent.TimeUnit.SECONDS,
        new java.util.concurrent.LinkedBlockingQueue<>(), r -> {
      Thread t = new Thread(r, "pipewright-process-" + counter.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  @Override
  public String type() {
    return "process";
  }

  /** {@code local}: the same classpath on the same machine, so an execution on one is reused on the other. */
  @Override
  public String environment() {
    return "local";
  }

  @Override
  public boolean runsOutOfProcess() {
    return true;
  }

  @Override
  public boolean runsOnOtherMachines() {
    return viaDatastore;
  }

  @Override
  public Capacity capacity() {
    return capacity;
  }

  @Override
  public Execution submit(StepTask task) {
    return submit(task, Map.of(), () -> { });
  }

  /**
   * Submits an attempt whose child gets {@code environment} on top of this JVM's and the target's, and calls {@code whenStopped}
   * exactly once when the attempt will start nothing more: the child and, if it was cancelled, every process of its
   * tree have ended (or it never started). That may be after the execution's completion, which cancel ends at once.
   * For adapters built on this one (the {@code gpu} target frees its devices then). Descendants that a child leaves
   * running when it exits on its own are not followed.
   */
  public Execution submit(StepTask task, Map<String, String> environment, Runnable whenStopped) {
    RunnerAttempt attempt = task.outOfProcess().orElseThrow(() -> new IllegalArgumentException(
        "step '" + task.stepName() + "': the " + type() + " target needs an attempt the step runner can run"));
    ProcessExecution execution = new ProcessExecution(task, attempt, Map.copyOf(environment));
    execution.stopped.whenComplete((ignored, e) -> whenStopped.run());
    threads.execute(execution);
    running.add(execution);
    execution.done.whenComplete((ignored, e) -> running.remove(execution));
    return execution;
  }

  /** Stops every running child and waits for their process trees to end. */
  @Override
  public void close() {
    List<ProcessExecution> left = new ArrayList<>(running);
    left.forEach(ProcessExecution::cancel);
    left.forEach(ProcessExecution::awaitStopped);
    threads.shutdownNow();
  }

  private String heapOption(Resources needs) {
    long bytes = needs.memoryBytes() > 0 ? needs.memoryBytes() : defaultHeap;
    if (bytes <= 0) {
      return null;
    }
    long mib = 1024 * 1024;
    return "-Xmx" + (bytes % (1024 * mib) == 0 ? bytes / (1024 * mib) + "g" : bytes % mib == 0 ? bytes / mib + "m"
        : Math.max(2 * mib, bytes / 1024 * 1024) / 1024 + "k");
  }

  private final class ProcessExecution implements Execution, Runnable {
    private final StepTask task;
    private final RunnerAttempt attempt;
    private final Map<String, String> environment;
    final CompletableFuture<Void> done = new CompletableFuture<>();
    final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private boolean cancelled;
    private boolean began;
    private Process process;
    private CompletableFuture<Void> killed; // the tree stopped by cancel, once it has ended

    ProcessExecution(StepTask task, RunnerAttempt attempt, Map<String, String> environment) {
      this.task = task;
      this.attempt = attempt;
      this.environment = environment;
    }

    @Override
    public void run() {
      try {
        Process started = launch();
        if (started == null) {
          return;
        }
        String failure = watch(started);
        if (done.isDone()) {
          return; // cancelled meanwhile
        }
        if (failure != null) {
          done.completeExceptionally(new StepException(failure));
        } else {
          attempt.complete();
          done.complete(null);
        }
      } catch (Throwable t) {
        done.completeExceptionally(t);
      } finally {
        CompletableFuture<Void> killing;
        synchronized (this) {
          killing = killed;
        }
        if (killing == null) {
          stopped.complete(null);
        } else {
          killing.whenComplete((ignored, e) -> stopped.complete(null));
        }
      }
    }

    /** Starts the child, unless cancelled first; null when it was. */
    private Process launch() throws Exception {
      synchronized (this) {
        if (cancelled) {
          return null;
        }
        began = true;
      }
      StepDescription description = viaDatastore ? attempt.startRemote() : attempt.start();
      synchronized (this) {
        if (cancelled) {
          return null;
        }
      }
      List<String> command = new ArrayList<>();
      command.add(javaBin.toString());
      String heap = heapOption(task.resources());
      if (heap != null) {
        command.add(heap);
      }
      command.add("-XX:+ExitOnOutOfMemoryError");
      command.addAll(jvmOptions);
      command.add("-cp");
      command.add(System.getProperty("java.class.path"));
      command.add(description.mainClass());
      command.addAll(description.arguments());
      ProcessBuilder builder = new ProcessBuilder(command);
      builder.environment().putAll(childEnvironment);
      builder.environment().putAll(environment);
      Process started = builder.start();
      synchronized (this) {
        process = started;
        if (cancelled) {
          Processes.destroyTree(started.toHandle(), GRACE);
          return null;
        }
      }
      started.getOutputStream().close();
      return started;
    }

    /** Pumps the child's output into the step's log until it exits; returns why it failed, or null on status 0. */
    private String watch(Process child) throws Exception {
      String[] lastError = {null};
      boolean[] outOfMemory = {false};
      Thread errors = pump(child.getErrorStream(), line -> {
        if (line.startsWith("Terminating due to java.lang.OutOfMemoryError")) {
          outOfMemory[0] = true;
        }
        if (!line.isBlank()) {
          lastError[0] = line.strip();
        }
        attempt.event(line);
      });
      try (BufferedReader out = reader(child.getInputStream())) {
        for (String line; (line = out.readLine()) != null; ) {
          if (line.startsWith("Terminating due to java.lang.OutOfMemoryError")) { // HotSpot prints it here
            outOfMemory[0] = true;
          }
          attempt.event(line);
        }
      }
      int status = child.waitFor();
      errors.join();
      if (status == 0) {
        return null;
      }
      String who = "step '" + task.stepName() + "': its process (pid " + child.pid() + ")";
      if (outOfMemory[0]) {
        String heap = heapOption(task.resources());
        return who + " ran out of memory (" + (heap == null ? "the JVM's default heap" : heap) + ")";
      }
      if (status > 128 && status <= 128 + 64) {
        return who + " was killed by signal " + (status - 128);
      }
      return who + " exited with status " + status + (lastError[0] == null ? "" : ": " + lastError[0]);
    }

    private Thread pump(InputStream in, java.util.function.Consumer<String> sink) {
      Thread t = new Thread(() -> {
        try (BufferedReader reader = reader(in)) {
          for (String line; (line = reader.readLine()) != null; ) {
            sink.accept(line);
          }
        } catch (IOException e) {
          // the child is gone
        }
      }, Thread.currentThread().getName() + "-stderr");
      t.setDaemon(true);
      t.start();
      return t;
    }

    private BufferedReader reader(InputStream in) {
      return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    }

    @Override
    public CompletionStage<Void> completion() {
      return done;
    }

    @Override
    public void cancel() {
      Process child;
      CompletableFuture<Void> killing;
      synchronized (this) {
        if (cancelled) {
          return;
        }
        cancelled = true;
        child = process;
        killing = child == null ? null : (killed = new CompletableFuture<>());
        if (!began) {
          stopped.complete(null); // never will
        }
      }
      done.completeExceptionally(new CancellationException("cancelled"));
      if (killing != null) {
        Thread killer = new Thread(() -> {
          try {
            Processes.destroyTree(child.toHandle(), GRACE);
          } finally {
            killing.complete(null);
          }
        }, "pipewright-process-stop");
        killer.setDaemon(true);
        killer.start();
      }
    }

    void awaitStopped() {
      try {
        stopped.get(GRACE.multipliedBy(3).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (Exception e) {
        // gave up waiting
      }
    }
  }
}
