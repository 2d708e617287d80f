package io.pipewright.steps;

import io.pipewright.internal.util.Processes;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.MDC;

/**
 * Runs one script process to its end: streams its stdout (INFO) and stderr (WARN) into the step log line by line, on
 * threads of their own, keeps the last lines of each, and when the step's thread is interrupted (a timeout, a
 * cancellation) kills the process and every process it started, then reports the interruption.
 */
final class ScriptProcess {
  /** Lines kept of each stream, for the error message and the failure's trace. */
  static final int TAIL = 20;
  /** Longer lines (a progress bar without line breaks, binary output) are cut into pieces of this many chars. */
  private static final int MAX_LINE = 8192;
  /** How long the processes get to end after SIGTERM before they are killed with SIGKILL. */
  private static final Duration GRACE = Duration.ofSeconds(3);
  /** How long to wait, once the script exited, for the end of its output. */
  private static final Duration DRAIN = Duration.ofSeconds(2);

  private ScriptProcess() {}

  /** How the process ended, with the last lines it printed. */
  record Result(int exitCode, List<String> stdout, List<String> stderr) {
    /** The last non-blank line of stderr, else of stdout; null when it printed nothing. */
    String lastLine() {
      String line = lastNonBlank(stderr);
      return line != null ? line : lastNonBlank(stdout);
    }

    private static String lastNonBlank(List<String> lines) {
      for (int i = lines.size() - 1; i >= 0; i--) {
        if (!lines.get(i).isBlank()) {
          return lines.get(i).strip();
        }
      }
      return null;
    }

    /** The last lines of both streams, as the cause of a failure, so that the step's error trace shows them. */
    Exception output() {
      StringBuilder s = new StringBuilder("last lines of the script's output");
      if (!stdout.isEmpty()) {
        s.append("\n--- stdout\n").append(String.join("\n", stdout));
      }
      if (!stderr.isEmpty()) {
        s.append("\n--- stderr\n").append(String.join("\n", stderr));
      }
      return new Output(s.toString());
    }
  }

  /** The last lines of a script's output, as a cause: it has no stack trace, only its message. */
  static final class Output extends Exception {
    private static final long serialVersionUID = 1L;

    Output(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * Starts {@code command} in {@code dir} with {@code environment} added to this JVM's (its {@code PW_*} variables
   * removed first), and waits for it.
   *
   * @param what the process in words, for log lines ({@code python3 prep.py})
   * @param prefix put before each line the process prints, and each line logged about it: {@code [cat.png] } for a
   *     partition's script, empty for a step's
   * @throws IOException when the process cannot be started
   * @throws InterruptedException when the step's thread was interrupted: the process tree has been killed by then
   */
  static Result run(String step, String what, List<String> command, Path dir, Map<String, String> environment,
      Logger log, String prefix) throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
    Map<String, String> env = builder.environment();
    env.keySet().removeIf(name -> name.startsWith("PW_")); // an enclosing step's, when Pipewright runs in a script
    env.putAll(environment);
    if (Thread.interrupted()) {
      throw new InterruptedException("step '" + step + "' was stopped before " + what + " started");
    }
    Process process = builder.start();
    try {
      return await(step, what, process, log, prefix);
    } catch (InterruptedException e) {
      stop(what, process, log, prefix);
      throw new InterruptedException("step '" + step + "' was stopped: " + what + " and the processes it started were"
          + " killed");
    } catch (RuntimeException | Error e) {
      stop(what, process, log, prefix);
      throw e;
    }
  }

  private static void stop(String what, Process process, Logger log, String prefix) {
    destroyTree(process);
    try {
      log.warn("{}stopped {} (pid {}) and the processes it started", prefix, what, process.pid());
    } catch (RuntimeException e) {
      // the run may be over, and the line has nowhere to go
    }
  }

  private static Result await(String step, String what, Process process, Logger log, String prefix)
      throws InterruptedException {
    Map<String, String> mdc = MDC.getCopyOfContextMap();
    Pump out = new Pump(process.getInputStream(), line -> log.info("{}{}", prefix, line), mdc);
    Pump err = new Pump(process.getErrorStream(), line -> log.warn("{}{}", prefix, line), mdc);
    Thread outThread = start(out, "pipewright-script-" + step + "-stdout");
    Thread errThread = start(err, "pipewright-script-" + step + "-stderr");
    try {
      process.getOutputStream().close(); // stdin: a script that reads it sees its end at once
    } catch (IOException ignored) {
      // it exited already
    }
    int exitCode;
    try {
      exitCode = process.waitFor();
      long deadline = System.nanoTime() + DRAIN.toNanos();
      outThread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
      errThread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
    } finally {
      if (outThread.isAlive() || errThread.isAlive()) {
        out.abandon(); // a process it left behind still holds the pipe, or the step was stopped
        err.abandon();
      }
    }
    if (out.abandoned || err.abandoned) {
      // Once orphaned, such a process is no longer a descendant of the script: it cannot be found to be stopped.
      log.warn("{}{} exited, but a process it started still holds its output open: its further output is not"
          + " logged", prefix, what);
    }
    return new Result(exitCode, out.tail(), err.tail());
  }

  private static Thread start(Runnable pump, String name) {
    Thread thread = new Thread(pump, name);
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  /** Stops a process and all its descendants, SIGTERM first, then SIGKILL after the grace period; waits for them. */
  static void destroyTree(Process process) {
    Processes.destroyTree(process.toHandle(), GRACE);
  }

  /** Copies one stream of the process into the log, line by line, keeping the last {@link #TAIL} lines. */
  private static final class Pump implements Runnable {
    private final InputStream in;
    private final Consumer<String> sink;
    private final Map<String, String> mdc;
    private final ArrayDeque<String> tail = new ArrayDeque<>(TAIL);
    private volatile boolean abandoned;

    Pump(InputStream in, Consumer<String> sink, Map<String, String> mdc) {
      this.in = in;
      this.sink = sink;
      this.mdc = mdc;
    }

    @Override
    public void run() {
      if (mdc != null) {
        MDC.setContextMap(mdc); // the run and step, as on the step's own thread
      }
      StringBuilder line = new StringBuilder();
      boolean afterReturn = false;
      try (Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8)) {
        char[] buffer = new char[8192];
        for (int n; (n = reader.read(buffer)) >= 0; ) {
          for (int i = 0; i < n; i++) {
            char c = buffer[i];
            if (c == '\n' && afterReturn) {
              afterReturn = false; // the second half of \r\n
            } else if (c == '\n' || c == '\r') {
              emit(line);
              afterReturn = c == '\r'; // a progress bar redraws its line with \r: each state is a line
            } else {
              afterReturn = false;
              line.append(c);
              if (line.length() >= MAX_LINE) {
                emit(line);
              }
            }
          }
        }
      } catch (IOException e) {
        // the pipe was closed: the process is gone
      } finally {
        if (line.length() > 0) {
          emit(line);
        }
        MDC.clear();
      }
    }

    private void emit(StringBuilder line) {
      String text = line.toString();
      line.setLength(0);
      synchronized (tail) {
        if (tail.size() == TAIL) {
          tail.removeFirst();
        }
        tail.addLast(text);
      }
      if (!abandoned) {
        try {
          sink.accept(text);
        } catch (RuntimeException e) {
          // a failing log sink must not stop the reading: the process would block on a full pipe
        }
      }
    }

    void abandon() {
      abandoned = true;
    }

    List<String> tail() {
      synchronized (tail) {
        return List.copyOf(tail);
      }
    }
  }
}
