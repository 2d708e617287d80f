package io.pipewright.cli;

import ch.qos.logback.classic.Level;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Log levels for one command. Logs go to standard error (see {@code logback.xml}: WARN and above by default), never
 * to standard output, so {@code --json} output stays clean; {@code --verbose} lowers {@code io.pipewright} to DEBUG,
 * which also shows what steps log.
 */
final class Logging {
  /** Undoes what {@link #verbose} changed. */
  interface Restore {
    void restore();
  }

  private static final String ROOT = "io.pipewright";

  private Logging() {}

  /** Lowers {@code io.pipewright} to DEBUG when {@code on}, until restored. Does nothing under another backend. */
  static Restore verbose(boolean on) {
    Logger logger = LoggerFactory.getLogger(ROOT);
    if (!on || !(logger instanceof ch.qos.logback.classic.Logger logback)) {
      return () -> { };
    }
    Level before = logback.getLevel();
    logback.setLevel(Level.DEBUG);
    return () -> logback.setLevel(before);
  }
}
