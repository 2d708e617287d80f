package io.pipewright.internal.util;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/** Who this process is, so that a run store can tell whether the process that owns a run is still alive. */
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
}
