package io.pipewright.internal.util;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Who this process is, so that a run store can tell whether the process that owns a run is still alive; and how to
 * stop a tree of processes.
 */
public final class Processes {
  private Processes() {}

  public static long pid() {
    return ProcessHandle.current().pid();
  }

  /** The start time of a process, in milliseconds, or 0 when the OS does not say. */
  public static long startMillis(ProcessHandle process) {
    return process.info().startInstant().map(Instant::toEpochMilli).orElse(0L);
  }

  /** Whether the process {@code pid} started at {@code startMillis} (0: unknown) still runs on this host. */
  public static boolean alive(long pid, long startMillis) {
    Optional<ProcessHandle> process = ProcessHandle.of(pid);
    if (process.isEmpty() || !process.get().isAlive()) {
      return false;
    }
    long actual = startMillis(process.get());
    return startMillis == 0 || actual == 0 || Math.abs(actual - startMillis) < 2000;
  }

  /** This host's name, without a DNS lookup where the OS can say it directly. */
  public static String hostName() {
    Path kernel = Path.of("/proc/sys/kernel/hostname");
    try {
      if (Files.isReadable(kernel)) {
        return Files.readString(kernel).trim();
      }
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "localhost";
    }
  }

  /**
   * Stops a process and all its descendants: SIGTERM to each (the root first, so that it cannot start replacements
   * for children that die), then, after {@code grace}, SIGKILL to whatever is left and whatever was started
   * meanwhile. Waits for them to end (another {@code grace} at most). The descendants are taken while the root still
   * runs: once it has died they are orphans, no longer its descendants. The script step and the process target use
   * it.
   */
  public static void destroyTree(ProcessHandle root, Duration grace) {
    List<ProcessHandle> tree = new ArrayList<>();
    tree.add(root);
    root.descendants().forEach(tree::add);
    tree.forEach(ProcessHandle::destroy);
    boolean interrupted = !awaitExit(tree, grace);
    List<ProcessHandle> left = new ArrayList<>();
    for (ProcessHandle handle : tree) {
      if (running(handle)) {
        left.add(handle);
        handle.descendants().filter(d -> !tree.contains(d)).forEach(left::add);
      }
    }
    left.forEach(ProcessHandle::destroyForcibly);
    interrupted |= !awaitExit(left, grace);
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** Waits until every process ended or the time is up; false when interrupted meanwhile. */
  private static boolean awaitExit(List<ProcessHandle> processes, Duration limit) {
    // Polled: ProcessHandle.onExit() polls a process that is not this JVM's child only every 300 ms and more.
    long deadline = System.nanoTime() + limit.toNanos();
    while (processes.stream().anyMatch(Processes::running) && System.nanoTime() < deadline) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether a process still runs. A zombie has ended, but Java counts it alive until its parent reaps it, and the
   * parent of an orphan (PID 1 of a container, say) may never do that; on Linux, where it can be told, it has ended.
   */
  public static boolean running(ProcessHandle process) {
    if (!process.isAlive()) {
      return false;
    }
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
      int end = stat.lastIndexOf(')'); // "pid (command) state ...", and a command may hold ") "
      return end < 0 || end + 2 >= stat.length() || stat.charAt(end + 2) != 'Z';
    } catch (IOException | RuntimeException e) {
      return process.isAlive(); // no /proc here, or it ended meanwhile
    }
  }
}
