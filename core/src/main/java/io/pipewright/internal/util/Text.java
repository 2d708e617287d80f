package io.pipewright.internal.util;

import io.pipewright.Run;
import io.pipewright.StepException;
import io.pipewright.StepRun;
import io.pipewright.StepStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
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

  /**
   * A run in a few lines: a header, then one line per step (at most {@value #MAX_STEPS_SHOWN}) with its status
   * symbol, kind, and its duration and key metrics, where it was reused from, or why it failed or was skipped.
   */
  public static String runSummary(Run run) {
    StringBuilder s = new StringBuilder("Run ").append(run.shortId()).append(' ').append(run.pipeline()).append(' ')
        .append(run.status());
    run.duration().ifPresent(d -> s.append(" in ").append(duration(d)));
    int width = run.steps().stream().limit(MAX_STEPS_SHOWN).mapToInt(st -> st.name().length()).max().orElse(0);
    int shown = 0;
    for (StepRun step : run.steps()) {
      if (shown++ == MAX_STEPS_SHOWN) {
        s.append("\n  ... ").append(run.steps().size() - MAX_STEPS_SHOWN).append(" more steps");
        break;
      }
      String line = symbol(step.status()) + " " + pad(step.name(), width) + "  " + pad(step.kind().label(), 8) + "  "
          + stepDetail(step);
      s.append("\n  ").append(line.stripTrailing());
    }
    if (run.error() != null && run.steps().stream().noneMatch(st -> st.error() != null)) {
      s.append("\n  error: ").append(run.error());
    }
    return s.toString();
  }

  /** A step in one line: name, kind, status, target, then what {@link #runSummary} shows of it. */
  public static String stepLine(StepRun step) {
    String detail = stepDetail(step);
    return step.name() + ' ' + step.kind().label() + ' ' + step.status() + " on " + step.computeTarget()
        + (detail.isEmpty() ? "" : " " + detail);
  }

  private static String stepDetail(StepRun step) {
    List<String> parts = new ArrayList<>();
    switch (step.status()) {
      case REUSED -> parts.add("reused from " + (step.reusedFrom() == null ? "an earlier run"
          : step.reusedFrom().substring(0, Math.min(8, step.reusedFrom().length()))));
      case SKIPPED -> parts.add("skipped: " + step.reason());
      case CANCELLED -> parts.add("cancelled" + (step.reason() == null ? "" : ": " + step.reason()));
      default -> step.duration().ifPresent(d -> parts.add(duration(d)));
    }
    String metrics = keyMetrics(step.metrics());
    if (!metrics.isEmpty()) {
      parts.add(metrics);
    }
    if (step.error() != null) {
      parts.add("failed: " + step.error());
    }
    return String.join("  ", parts);
  }

  private static String pad(String text, int width) {
    return text.length() >= width ? text : text + " ".repeat(width - text.length());
  }

  /**
   * The metrics that say most, in a few words: names without a dot first ({@code accuracy} before
   * {@code precision.3}), each group alphabetical, at most {@value #MAX_METRICS_SHOWN}, then how many more there are.
   */
  public static String keyMetrics(Map<String, Double> metrics) {
    List<String> names = metrics.keySet().stream()
        .sorted(Comparator.comparing((String n) -> n.contains(".")).thenComparing(n -> n)).toList();
    List<String> parts = new ArrayList<>();
    for (String name : names.subList(0, Math.min(MAX_METRICS_SHOWN, names.size()))) {
      parts.add(name + "=" + number(metrics.get(name)));
    }
    if (names.size() > MAX_METRICS_SHOWN) {
      parts.add("(+" + (names.size() - MAX_METRICS_SHOWN) + " more)");
    }
    return String.join(" ", parts);
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
