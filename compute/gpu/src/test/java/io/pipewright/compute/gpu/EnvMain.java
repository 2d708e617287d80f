package io.pipewright.compute.gpu;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A child for {@link GpuTargetTest}, started by the target in place of the step runner: writes
 * {@code CUDA_VISIBLE_DEVICES|NVIDIA_VISIBLE_DEVICES|CUDA_DEVICE_ORDER|pid|other} to the file named first, then ends
 * as its second argument says: {@code exit0}, {@code exit1}, {@code hang} (until stopped, and it takes a moment to end
 * after SIGTERM), or {@code check:PID} (exit 0; "other" says whether process PID still ran when it started).
 */
public final class EnvMain {
  private EnvMain() {}

  public static void main(String[] args) throws Exception {
    String mode = args[1];
    String other = "-";
    if (mode.startsWith("check:")) {
      other = ProcessHandle.of(Long.parseLong(mode.substring(6))).map(ProcessHandle::isAlive).orElse(false)
          ? "alive" : "gone";
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
      default -> System.exit(0);
    }
  }
}
