package io.pipewright.compute.spark;

import io.pipewright.spi.Capacity;
import io.pipewright.spi.ComputeTarget;
import io.pipewright.spi.Execution;
import io.pipewright.spi.StepTask;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code spark} target: steps run in this JVM, on a pool of {@code maxConcurrentSteps} threads, with one
 * {@link SparkSession} that the target creates from its settings when a step first asks for it, shares between its
 * steps, and stops when it closes. Create it through {@link SparkTargetProvider} (config type {@code spark}).
 *
 * <p>Spark allows one active SparkContext per JVM: when a session is already running (one the application started,
 * or another spark target's), the target adopts it, logs that its own settings were not applied where they differ,
 * and leaves it running when it closes.
 *
 * <p>Each attempt's Spark jobs run in a job group of their own; {@link Execution#cancel()} (and so a step's timeout)
 * cancels that group and interrupts the attempt's thread. Thread-safe.
 */
public final class SparkTarget implements ComputeTarget {
  private static final Logger LOG = LoggerFactory.getLogger(SparkTarget.class);
  private static final AtomicLong ATTEMPTS = new AtomicLong();

  private final String name;
  private final String master;
  private final String appName;
  private final Map<String, String> conf;
  private final Capacity capacity;
  private final ExecutorService pool;
  private final Set<SparkExecution> running = ConcurrentHashMap.newKeySet();
  private SparkSession session;
  private boolean ownsSession;
  private boolean closed;

  /**
   * @param name the target's logical name, for messages and thread names
   * @param master Spark's master URL: {@code local[*]}, {@code local[4]}, {@code spark://host:7077}, ...
   * @param appName the application name Spark shows
   * @param conf Spark settings, as {@code spark.*} keys; {@link #effectiveConf} adds the defaults
   * @param capacity what the engine accounts steps against; its {@code maxConcurrentSteps} sizes the pool
   */
  public SparkTarget(String name, String master, String appName, Map<String, String> conf, Capacity capacity) {
    this.name = Objects.requireNonNull(name, "name");
    this.master = Objects.requireNonNull(master, "master");
    this.appName = Objects.requireNonNull(appName, "appName");
    this.conf = effectiveConf(master, Objects.requireNonNull(conf, "conf"));
    this.capacity = Objects.requireNonNull(capacity, "capacity");
    AtomicInteger threads = new AtomicInteger();
    this.pool = new ThreadPoolExecutor(capacity.maxConcurrentSteps(), capacity.maxConcurrentSteps(), 0,
        TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), r -> {
          Thread t = new Thread(r, "pipewright-spark-" + name + "-" + threads.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
  }

  /**
   * The settings a session is created with: {@code conf}, plus {@code spark.ui.enabled=false} and, for a
   * {@code local} master, {@code spark.driver.host} and {@code spark.driver.bindAddress} {@code 127.0.0.1}, each
   * unless {@code conf} sets it.
   */
  static Map<String, String> effectiveConf(String master, Map<String, String> conf) {
    Map<String, String> all = new LinkedHashMap<>();
    all.put("spark.ui.enabled", "false");
    if (isLocal(master)) {
      all.put("spark.driver.host", "127.0.0.1");
      all.put("spark.driver.bindAddress", "127.0.0.1");
    }
    all.putAll(conf);
    return Map.copyOf(all);
  }

  static boolean isLocal(String master) {
    return master.equals("local") || master.startsWith("local[") || master.startsWith("local-cluster[");
  }

  @Override
  public String type() {
    return "spark";
  }

  @Override
  public Capacity capacity() {
    return capacity;
  }

  /** The master URL from the settings. */
  public String master() {
    return master;
  }

  /**
   * The session, created (or adopted) on first call.
   *
   * @throws IllegalStateException once the target is closed
   */
  public synchronized SparkSession session() {
    if (closed) {
      throw new IllegalStateException("spark target '" + name + "' is closed");
    }
    if (session == null || session.sparkContext().isStopped()) {
      scala.Option<SparkSession> existing = SparkSession.getDefaultSession();
      if (existing.isDefined() && !existing.get().sparkContext().isStopped()) {
        session = existing.get();
        ownsSession = false;
        String running = session.sparkContext().master();
        if (!running.equals(master)) {
          LOG.warn("spark target '{}': adopting the SparkSession already running in this JVM (master {}); its own"
              + " settings (master {}) are not applied: Spark allows one SparkContext per JVM", name, running, master);
        } else {
          LOG.info("spark target '{}': adopting the SparkSession already running in this JVM", name);
        }
      } else {
        long start = System.nanoTime();
        SparkSession.Builder builder = SparkSession.builder().master(master).appName(appName);
        conf.forEach(builder::config);
        session = builder.getOrCreate();
        ownsSession = true;
        LOG.info("spark target '{}': started Spark {} (master {}) in {} ms", name, session.version(), master,
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
      }
    }
    return session;
  }

  @Override
  public Execution submit(StepTask task) {
    Objects.requireNonNull(task, "task");
    String group = "pipewright-" + task.runId() + "-" + task.stepName() + "-" + task.attempt() + "-"
        + ATTEMPTS.incrementAndGet();
    SparkExecution execution = new SparkExecution(task, new SparkAttempt(this, group,
        "pipewright step '" + task.stepName() + "' of run " + task.runId() + ", attempt " + task.attempt()));
    synchronized (this) {
      if (closed) {
        throw new RejectedExecutionException("spark target '" + name + "' is closed");
      }
      running.add(execution);
      pool.execute(execution);
    }
    return execution;
  }

  /** Stops running attempts (cancelling their jobs), then the session if this target started it. Idempotent. */
  @Override
  public void close() {
    SparkSession toStop;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      toStop = ownsSession ? session : null;
      session = null;
    }
    List<Runnable> neverStarted = pool.shutdownNow();
    neverStarted.forEach(r -> ((SparkExecution) r).cancel());
    running.forEach(SparkExecution::cancel);
    try {
      pool.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (toStop != null) {
      toStop.stop();
      LOG.info("spark target '{}': stopped its SparkSession", name);
    }
  }

  @Override
  public String toString() {
    return "spark target '" + name + "' (master " + master + ")";
  }

  private final class SparkExecution implements Execution, Runnable {
    private final StepTask task;
    private final SparkAttempt attempt;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private Thread runner;
    private boolean cancelled;

    SparkExecution(StepTask task, SparkAttempt attempt) {
      this.task = task;
      this.attempt = attempt;
    }

    @Override
    public void run() {
      try {
        synchronized (this) {
          if (cancelled) {
            return;
          }
          runner = Thread.currentThread();
        }
        try {
          attempt.runHere(task::execute);
          done.complete(null);
        } catch (Throwable t) {
          done.completeExceptionally(t);
        } finally {
          synchronized (this) {
            runner = null;
            Thread.interrupted(); // an interrupt aimed at this step must not hit the next one on this thread
          }
        }
      } finally {
        running.remove(this);
      }
    }

    @Override
    public CompletionStage<Void> completion() {
      return done;
    }

    @Override
    public void cancel() {
      synchronized (this) {
        if (cancelled || done.isDone()) {
          return;
        }
        cancelled = true;
        // Completed before the interrupt, so that the step's own InterruptedException cannot complete it first.
        done.completeExceptionally(new CancellationException("cancelled"));
        if (runner != null) {
          runner.interrupt();
        }
      }
      attempt.cancel();
    }
  }
}
