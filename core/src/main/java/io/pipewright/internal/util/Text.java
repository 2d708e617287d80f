package io.pipewright.internal.util;

import io.pipewright.Run;
import io.pipewright.StepException;
import io.pipewright.StepRun;
import io.pipewright.StepStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Compact, human text for runs, steps and failures, shared by toString(), the engine and the command line. */
public final class Text {
  private static final int MAX_STEPS_SHOWN = 12;
  private static final int MAX_METRICS_SHOWN = 3;

  private Text() {}

  /** A failure in one line: a StepException's message as is, anything else as "Type: message". */
  public static String oneLine(Throwable t) {
    String message = t instanceof StepException ? t.getMessage()
        : t.getMessage() == null ? t.getClass().getName() : t.getClass().getSimpleName() + ": " + t.getMessage();
    if (message == null) {
      message = t.getClass().getName();
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline).stripTrailing() + " ...";
  }

  public static String runLine(Run run) {
    StringBuilder s = new StringBuilder("Run ").append(run.shortId()).append(' ').append(run.pipeline()).append(' ')
        .append(run.status());
    run.duration().ifPresent(d -> s.append(' ').append(duration(d)));
    List<String> parts = new ArrayList<>();
    for (StepRun step : run.steps()) {
      if (parts.size() == MAX_STEPS_SHOWN) {
        parts.add("... " + (run.steps().size() - MAX_STEPS_SHOWN) + " more");
        break;
      }
      String metrics = metrics(step.metrics());
      parts.add(step.name() + ' ' + symbol(step.status()) + (metrics.isEmpty() ? "" : " " + metrics));
    }
    s.append(" [").append(String.join(", ", parts)).append(']');
    if (run.error() != null) {
      s.append(" -- ").append(run.error());
    }
    return s.toString();
  }

  public static String stepLine(StepRun step) {
    StringBuilder s = new StringBuilder(step.name()).append(' ').append(step.kind().label()).append(' ')
        .append(step.status()).append(" on ").append(step.computeTarget());
    step.duration().ifPresent(d -> s.append(' ').append(duration(d)));
    String metrics = metrics(step.metrics());
    if (!metrics.isEmpty()) {
      s.append(' ').append(metrics);
    }
    if (step.error() != null) {
      s.append(" -- ").append(step.error());
    } else if (step.reason() != null) {
      s.append(" -- ").append(step.reason());
    } else if (step.reusedFrom() != null) {
      s.append(" -- reused from run ").append(step.reusedFrom(), 0, Math.min(8, step.reusedFrom().length()));
    }
    return s.toString();
  }

  public static String symbol(StepStatus status) {
    return switch (status) {
      case SUCCEEDED -> "✓";
      case REUSED -> "↺";
      case FAILED -> "✗";
      case SKIPPED -> "⊘";
      case CANCELLED -> "■";
      case RUNNING -> "▶";
      case QUEUED, PENDING -> "…";
    };
  }

  public static String metrics(Map<String, Double> metrics) {
    List<String> parts = new ArrayList<>();
    for (Map.Entry<String, Double> e : new java.util.TreeMap<>(metrics).entrySet()) {
      if (parts.size() == MAX_METRICS_SHOWN) {
        parts.add("...");
        break;
      }
      parts.add(e.getKey() + "=" + number(e.getValue()));
    }
    return String.join(" ", parts);
  }

  public static String number(double value) {
    if (value == Math.rint(value) && Math.abs(value) < 1e15) {
      return Long.toString((long) value);
    }
    return String.format(Locale.ROOT, "%.4g", value).replaceAll("(\\.\\d*?)0+$", "$1").replaceAll("\\.$", "");
  }

  public static String duration(Duration d) {
    long millis = d.toMillis();
    if (millis < 1000) {
      return millis + " ms";
    }
    if (millis < 60_000) {
      return String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
    }
    return String.format(Locale.ROOT, "%d min %d s", millis / 60_000, (millis % 60_000) / 1000);
  }
}
