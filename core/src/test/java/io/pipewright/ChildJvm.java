package io.pipewright;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A real JVM running a main class of these tests, with the tests' classpath, its output (both streams) in a log file,
 * and ways to wait for what its run does, as another process would see it in the run store.
 */
final class ChildJvm {
  private static final long DEADLINE_MILLIS = TimeUnit.SECONDS.toMillis(60);

  private final Process process;
  private final Path log;

  private ChildJvm(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  static ChildJvm start(Class<?> main, Path log, String... args) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String[] command = new String[args.length + 4];
    command[0] = java;
    command[1] = "-cp";
    command[2] = System.getProperty("java.class.path");
    command[3] = main.getName();
    System.arraycopy(args, 0, command, 4, args.length);
    Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    return new ChildJvm(process, log);
  }

  Process process() {
    return process;
  }

  String output() throws IOException {
    return Files.exists(log) ? Files.readString(log) : "(no output)";
  }

  /**
   * Waits until the workspace's latest run has a log line from {@code step} and satisfies {@code ready}, then returns
   * it; fails with the child's output if the child exits or a minute passes first.
   */
  Run awaitRun(Path workspace, String step, Predicate<Run> ready) throws Exception {
    long deadline = System.currentTimeMillis() + DEADLINE_MILLIS;
    while (!output().contains("submitted ")) {
      check(deadline);
    }
    try (Workspace watcher = Workspace.open(workspace)) {
      while (true) {
        List<Run> runs = watcher.runs().list(1);
        if (!runs.isEmpty() && !watcher.runs().logs(runs.get(0).id(), step).isEmpty()) {
          Run run = watcher.runs().get(runs.get(0).id());
          if (ready.test(run)) {
            return run;
          }
        }
        check(deadline);
      }
    }
  }

  /** Waits for the child to exit; fails, and kills it, if it has not within a minute. */
  void awaitExit() throws Exception {
    if (!process.waitFor(DEADLINE_MILLIS, TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      fail("the child process did not exit:\n" + output());
    }
  }

  private void check(long deadline) throws Exception {
    if (!process.isAlive()) {
      fail("the child process exited with " + process.exitValue() + ":\n" + output());
    }
    if (System.currentTimeMillis() > deadline) {
      fail("the child's run did not get there in time:\n" + output());
    }
    Thread.sleep(25);
  }
}
