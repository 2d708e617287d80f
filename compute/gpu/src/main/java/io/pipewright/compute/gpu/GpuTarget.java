package io.pipewright.compute.gpu;

import io.pipewright.internal.engine.ProcessTarget;
import io.pipewright.spi.Capacity;
import io.pipewright.spi.ComputeTarget;
import io.pipewright.spi.Execution;
import io.pipewright.spi.StepTask;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;

/**
 * The {@code gpu} target: a machine with GPUs. Each attempt runs in a JVM of its own, as on the {@code process} target
 * (same classpath, same step runner, same stopping of the process tree), and gets as many whole devices as its step's
 * {@code resources(r -> r.gpus(n))} asks for: the child's environment says which in {@code CUDA_VISIBLE_DEVICES} and
 * {@code NVIDIA_VISIBLE_DEVICES} (indexes separated by commas, e.g. {@code 0,2}; empty for a step that asks for none),
 * with {@code CUDA_DEVICE_ORDER=PCI_BUS_ID} so that CUDA numbers the devices as {@code nvidia-smi} does.
 *
 * <p>A device goes back to the free list only once the attempt that held it can start nothing more: its child JVM has
 * exited, and, when the attempt was cancelled (a timeout, a cancelled run, {@link #close()}), its whole process tree
 * has ended. Cancelling completes the execution at once, so core may hand over the next attempt while the old child
 * still stops; that attempt waits here, queued, until the devices are back. Core's accounting guarantees the wait is
 * only for that. Attempts that wait are served in the order they came, each that fits.
 *
 * <p>Thread-safe.
 */
public final class GpuTarget implements ComputeTarget {
  private final List<GpuDevice> devices;
  private final ProcessTarget processes;
  private final TreeSet<Integer> free = new TreeSet<>();
  private final LinkedHashSet<GpuExecution> waiting = new LinkedHashSet<>();
  private boolean closed;

  /**
   * @param devices the devices steps may use
   * @param cpus CPUs accounted
   * @param memoryBytes memory accounted
   * @param maxConcurrentSteps child JVMs at once
   * @param jvm how the children are started
   */
  public GpuTarget(List<GpuDevice> devices, int cpus, long memoryBytes, int maxConcurrentSteps,
      ProcessTarget.Jvm jvm) {
    this.devices = List.copyOf(devices);
    this.devices.forEach(d -> free.add(d.index()));
    if (free.size() != this.devices.size()) {
      throw new IllegalArgumentException("device indexes must differ, were " + this.devices);
    }
    Capacity capacity = new Capacity(cpus, memoryBytes, this.devices.size(), maxConcurrentSteps);
    this.processes = new ProcessTarget(capacity, Objects.requireNonNull(jvm, "jvm"), false);
  }

  @Override
  public String type() {
    return "gpu";
  }

  /** The devices it hands out, as {@code nvidia-smi} reported them. */
  public List<GpuDevice> devices() {
    return devices;
  }

  /** The indexes of the devices no attempt holds now. */
  public synchronized List<Integer> freeDevices() {
    return List.copyOf(free);
  }

  @Override
  public boolean runsOutOfProcess() {
    return true;
  }

  @Override
  public Capacity capacity() {
    return processes.capacity();
  }

  @Override
  public Execution submit(StepTask task) {
    int needs = task.resources().gpus();
    GpuExecution execution = new GpuExecution(task);
    if (needs > devices.size()) {
      execution.done.completeExceptionally(new IllegalArgumentException("step '" + task.stepName() + "': needs "
          + needs + " gpus but the gpu target has " + devices.size()));
      return execution;
    }
    boolean now;
    synchronized (this) {
      if (closed) {
        throw new IllegalStateException("the gpu target is closed");
      }
      now = waiting.isEmpty() && free.size() >= needs;
      if (now) {
        execution.devices = take(needs);
      } else {
        waiting.add(execution);
      }
    }
    if (now) {
      execution.launch();
    }
    return execution;
  }

  /** Stops every running child and waits for their process trees to end; attempts still waiting never start. */
  @Override
  public void close() {
    List<GpuExecution> dropped;
    synchronized (this) {
      closed = true;
      dropped = new ArrayList<>(waiting);
      waiting.clear();
    }
    dropped.forEach(e -> e.done.completeExceptionally(new CancellationException("the gpu target closed")));
    processes.close();
  }

  private List<Integer> take(int n) {
    List<Integer> taken = new ArrayList<>(n);
    for (Iterator<Integer> it = free.iterator(); taken.size() < n; ) {
      taken.add(it.next());
      it.remove();
    }
    return taken;
  }

  private void release(List<Integer> given) {
    List<GpuExecution> granted = new ArrayList<>();
    synchronized (this) {
      free.addAll(given);
      for (Iterator<GpuExecution> it = waiting.iterator(); it.hasNext(); ) {
        GpuExecution next = it.next();
        if (next.task.resources().gpus() <= free.size()) {
          it.remove();
          next.devices = take(next.task.resources().gpus());
          granted.add(next);
        }
      }
    }
    granted.forEach(GpuExecution::launch);
  }

  private static String visible(List<Integer> indexes) {
    return indexes.stream().map(String::valueOf).collect(Collectors.joining(","));
  }

  private final class GpuExecution implements Execution {
    private final StepTask task;
    final CompletableFuture<Void> done = new CompletableFuture<>();
    List<Integer> devices; // guarded by the target until launched
    private Execution running; // guarded by this
    private boolean cancelled; // guarded by this

    GpuExecution(StepTask task) {
      this.task = task;
    }

    void launch() {
      String visible = visible(devices);
      Map<String, String> environment = Map.of("CUDA_VISIBLE_DEVICES", visible, "NVIDIA_VISIBLE_DEVICES", visible,
          "CUDA_DEVICE_ORDER", "PCI_BUS_ID");
      List<Integer> held = devices;
      Execution started;
      try {
        started = processes.submit(task, environment, () -> release(held));
      } catch (RuntimeException e) { // closed meanwhile
        release(held);
        done.completeExceptionally(e);
        return;
      }
      boolean cancel;
      synchronized (this) {
        running = started;
        cancel = cancelled;
      }
      started.completion().whenComplete((ignored, e) -> {
        if (e == null) {
          done.complete(null);
        } else {
          done.completeExceptionally(e);
        }
      });
      if (cancel) {
        started.cancel();
      }
    }

    @Override
    public CompletionStage<Void> completion() {
      return done;
    }

    @Override
    public void cancel() {
      Execution started;
      synchronized (this) {
        cancelled = true;
        started = running;
      }
      boolean wasWaiting;
      synchronized (GpuTarget.this) {
        wasWaiting = waiting.remove(this);
      }
      done.completeExceptionally(new CancellationException("cancelled"));
      if (started != null) {
        started.cancel();
      }
      if (wasWaiting) {
        release(List.of()); // others behind it may fit now
      }
    }
  }
}
