package io.pipewright.cli;

import io.pipewright.Run;
import io.pipewright.RunEvent;
import io.pipewright.StepRun;
import io.pipewright.StepStatus;
import io.pipewright.internal.util.Text;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** Human text for runs: the summary after a run, {@code show}, {@code runs} and {@code logs}. */
final class RunText {
  private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT)
      .withZone(ZoneId.systemDefault());
  private static final DateTimeFormatter MILLIS = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS",
      Locale.ROOT).withZone(ZoneId.systemDefault());

  /** Where {@code show} wraps long lists. */
  private static final int WIDTH = 100;

  private RunText() {}

  /** The table of steps: name, kind, status, target, duration and the first few metrics. */
  static List<String> stepTable(Terminal term, Run run) {
    Table table = new Table("STEP", "KIND", "STATUS", "TARGET", "DURATION", "METRICS");
    for (StepRun step : run.steps()) {
      table.row(step.name(), step.kind().label(), term.symbol(step.status()) + " " + step.status(),
          step.computeTarget(), step.duration().map(Text::duration).orElse("-"), Text.metrics(step.metrics()));
    }
    return table.lines("  ");
  }

  /** The last line of a run: {@code SUCCEEDED in 1.2 s}, or the status, duration and the run's error. */
  static String statusLine(Run run) {
    StringBuilder line = new StringBuilder(run.status().name());
    run.duration().ifPresent(d -> line.append(" in ").append(Text.duration(d)));
    if (run.error() != null) {
      line.append(" -- ").append(run.error());
    }
    return line.toString();
  }

  /** Everything about one run, for {@code pipewright show}. */
  static List<String> details(Terminal term, Run run) {
    List<String> lines = new ArrayList<>();
    lines.add("run " + run.id() + "  " + run.pipeline() + "  " + statusLine(run));
    lines.add("  started     " + SECONDS.format(run.startedAt())
        + (run.finishedAt() == null ? "" : ", finished " + SECONDS.format(run.finishedAt())));
    lines.add("  parameters  " + (run.parameters().isEmpty() ? "none" : parameters(run.parameters())));
    lines.add("");
    lines.addAll(stepTable(term, run));
    List<String> notes = new ArrayList<>();
    for (StepRun step : run.steps()) {
      String note = step.error() != null ? step.error() : step.reason() != null ? step.reason()
          : step.reusedFrom() != null ? "reused from run " + step.reusedFrom() : null;
      if (note != null) {
        notes.add("  " + term.symbol(step.status()) + " " + step.name() + ": " + note);
      }
    }
    if (!notes.isEmpty()) {
      lines.add("");
      lines.addAll(notes);
    }
    int width = run.steps().stream().mapToInt(s -> s.name().length()).max().orElse(0);
    List<String> metrics = new ArrayList<>();
    for (StepRun step : run.steps()) {
      if (!step.metrics().isEmpty()) {
        metrics.addAll(wrap("  " + pad(step.name(), width) + "  ", allMetrics(step.metrics())));
      }
    }
    if (!metrics.isEmpty()) {
      lines.add("");
      lines.add("metrics:");
      lines.addAll(metrics);
    }
    List<String> names = new ArrayList<>();
    List<String> locations = new ArrayList<>();
    for (StepRun step : run.steps()) {
      new TreeMap<>(step.outputs()).forEach((name, location) -> {
        names.add(step.name() + "." + name);
        locations.add(location);
      });
    }
    int nameWidth = names.stream().mapToInt(String::length).max().orElse(0);
    List<String> outputs = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      outputs.add("  " + pad(names.get(i), nameWidth) + "  " + locations.get(i));
    }
    if (!outputs.isEmpty()) {
      lines.add("");
      lines.add("outputs:");
      lines.addAll(outputs);
    }
    return lines;
  }

  /** One row per run, newest first, for {@code pipewright runs}. */
  static List<String> runTable(List<Run> runs) {
    Table table = new Table("RUN", "PIPELINE", "STATUS", "STARTED", "DURATION", "STEPS");
    for (Run run : runs) {
      table.row(run.shortId(), run.pipeline(), run.status().name(), SECONDS.format(run.startedAt()),
          run.duration().map(Text::duration).orElse("-"), stepCounts(run));
    }
    return table.lines("");
  }

  /** A step's log lines, one per line: local time, level, message. */
  static List<String> logLines(List<RunEvent.Log> logs) {
    List<String> lines = new ArrayList<>(logs.size());
    for (RunEvent.Log log : logs) {
      lines.add(MILLIS.format(log.at()) + "  " + String.format(Locale.ROOT, "%-5s", log.level()) + "  "
          + log.message());
    }
    return lines;
  }

  /** {@code name=value, ...} sorted by name. */
  static String parameters(Map<String, Object> parameters) {
    List<String> parts = new ArrayList<>();
    new TreeMap<>(parameters).forEach((name, value) -> parts.add(name + "=" + value));
    return String.join(", ", parts);
  }

  private static List<String> allMetrics(Map<String, Double> metrics) {
    List<String> parts = new ArrayList<>();
    new TreeMap<>(metrics).forEach((name, value) -> parts.add(name + "=" + Text.number(value)));
    return parts;
  }

  /** Words after {@code prefix}, wrapped before {@link #WIDTH} columns; later lines indented like the first. */
  private static List<String> wrap(String prefix, List<String> words) {
    List<String> lines = new ArrayList<>();
    StringBuilder line = new StringBuilder(prefix);
    String indent = " ".repeat(prefix.length());
    for (String word : words) {
      if (line.length() > prefix.length() && line.length() + 1 + word.length() > WIDTH) {
        lines.add(line.toString());
        line = new StringBuilder(indent);
      }
      if (line.length() > prefix.length()) {
        line.append(' ');
      }
      line.append(word);
    }
    lines.add(line.toString());
    return lines;
  }

  private static String pad(String text, int width) {
    return text + " ".repeat(Math.max(0, width - text.length()));
  }

  /** {@code 2 succeeded, 1 failed}: how many steps ended in each status. */
  private static String stepCounts(Run run) {
    Map<StepStatus, Integer> counts = new EnumMap<>(StepStatus.class);
    for (StepRun step : run.steps()) {
      counts.merge(step.status(), 1, Integer::sum);
    }
    List<String> parts = new ArrayList<>();
    counts.forEach((status, count) -> parts.add(count + " " + status.name().toLowerCase(Locale.ROOT)));
    return String.join(", ", parts);
  }
}
