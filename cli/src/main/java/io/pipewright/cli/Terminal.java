package io.pipewright.cli;

import io.pipewright.StepStatus;
import io.pipewright.internal.util.Text;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.UnsupportedCharsetException;
import java.util.Objects;

/**
 * Where the command writes: results on {@code out} (only JSON there with {@code --json}), errors on {@code err}; and
 * whether status symbols such as ✓ can be shown, or ASCII words stand in for them.
 */
record Terminal(PrintStream out, PrintStream err, boolean unicode) {
  private static final String SYMBOLS = "✓✗⊘■▶…↻";

  Terminal {
    Objects.requireNonNull(out, "out");
    Objects.requireNonNull(err, "err");
  }

  /** A terminal whose symbols follow the charset the JVM encodes standard output with. */
  static Terminal of(PrintStream out, PrintStream err) {
    return new Terminal(out, err, stdoutCharset().newEncoder().canEncode(SYMBOLS));
  }

  String symbol(StepStatus status) {
    if (unicode) {
      return Text.symbol(status);
    }
    return switch (status) {
      case SUCCEEDED -> "+";
      case REUSED -> "=";
      case FAILED -> "x";
      case SKIPPED -> "-";
      case CANCELLED -> "#";
      case RUNNING -> ">";
      case QUEUED, PENDING -> ".";
    };
  }

  String retrySymbol() {
    return unicode ? "↻" : "~";
  }

  /** Prints one line on {@code out}, flushed, so that live progress shows as it happens. */
  void line(String text) {
    out.println(text);
    out.flush();
  }

  /** Prints one error line on {@code err}, prefixed with the command's name. */
  void error(String message) {
    err.println("pipewright: " + message);
    err.flush();
  }

  private static Charset stdoutCharset() {
    // Java 19+ names it stdout.encoding; Java 17 sets sun.stdout.encoding only for a console on some platforms.
    for (String property : new String[] {"stdout.encoding", "sun.stdout.encoding"}) {
      String name = System.getProperty(property);
      if (name != null) {
        try {
          return Charset.forName(name);
        } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
          // fall through to the next source
        }
      }
    }
    return Charset.defaultCharset();
  }
}
