package io.pipewright;

import java.io.IOException;
import java.nio.file.Path;

/** Starts a real JVM running a main class of these tests, with the tests' classpath. */
final class ChildJvm {
  private ChildJvm() {}

  /** Starts {@code main} with {@code args}; its output, both streams, goes to {@code log}, or to a pipe if null. */
  static Process start(Class<?> main, Path log, String... args) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String[] command = new String[args.length + 4];
    command[0] = java;
    command[1] = "-cp";
    command[2] = System.getProperty("java.class.path");
    command[3] = main.getName();
    System.arraycopy(args, 0, command, 4, args.length);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    if (log != null) {
      builder.redirectOutput(log.toFile());
    }
    return builder.start();
  }
}
