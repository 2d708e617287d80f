package io.pipewright.compute.gpu;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A child for {@link GpuTargetTest}, started by the target in place of the step runner: writes
 * {@code CUDA_VISIBLE_DEVICES|NVIDIA_VISIBLE_DEVICES|CUDA_DEVICE_ORDER|pid|other} to the file named first, then ends
 * as its second argument says: {@code exit0}, {@code exit1}, {@code hang} (until stopped, and it takes a moment to end
 * after SIGTERM), {@code tree} (starts a bash child that takes a moment to end after SIGTERM, "other" is its pid, then
 * hangs), or {@code check:PID} (exit 0; "other" says whether process PID still ran when it started).
 */
public final class EnvMain {
  private EnvMain() {}

  /** Whether a process runs: not gone, and not a zombie that nobody reaps (an orphan in a container). */
  private static boolean running(String pid) {
    try {
      String stat = Files.readString(Path.of("/proc", pid, "stat"));
      return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
    } catch (java.io.IOException e) {
      return false;
    }
  }

  public static void main(String[] args) throws Exception {
    String mode = args[1];
    String other = "-";
    if (mode.startsWith("check:")) {
      other = running(mode.substring(6)) ? "alive" : "gone";
    } else if (mode.equals("tree")) {
      Process child = new ProcessBuilder("bash", "-c",
          "trap 'sleep 1.5; exit 0' TERM; while true; do sleep 0.1; done")
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
      other = Long.toString(child.pid());
    }
    String line = System.getenv("CUDA_VISIBLE_DEVICES") + "|" + System.getenv("NVIDIA_VISIBLE_DEVICES") + "|"
        + System.getenv("CUDA_DEVICE_ORDER") + "|" + ProcessHandle.current().pid() + "|" + other;
    Path out = Path.of(args[0]);
    Path part = Path.of(args[0] + ".part");
    Files.writeString(part, line);
    Files.move(part, out, StandardCopyOption.ATOMIC_MOVE);
    switch (mode) {
      case "exit1" -> System.exit(1);
      case "hang" -> {
        // Lingers after SIGTERM, as a process freeing a GPU context might: its devices must stay taken till it ends.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
          try {
            Thread.sleep(1500);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }));
        Thread.sleep(Long.MAX_VALUE);
      }
      case "tree" -> Thread.sleep(Long.MAX_VALUE);
      default -> System.exit(0);
    }
  }
}
