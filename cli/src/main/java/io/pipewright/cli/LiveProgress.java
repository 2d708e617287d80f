package io.pipewright.cli;

import io.pipewright.RunEvent;
import io.pipewright.RunListener;
import io.pipewright.Step;
import io.pipewright.StepStatus;
import io.pipewright.internal.util.Text;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Prints a line each time a step of the run changes state: started, succeeded (with its duration and first
 * metrics), reused (with the run it reused), failed (with its error), retrying, skipped or cancelled (with the
 * reason).
 *
 * <p>The engine calls listeners from several threads at once (step threads report metrics while the scheduler moves
 * other steps on), so {@link #onEvent} is synchronized: each line is printed whole, and the per-step bookkeeping is
 * only touched under the lock.
 */
final class LiveProgress implements RunListener {
  private final Terminal term;
  private final String workspace;
  private final int nameWidth;
  private final Map<String, String> targets = new HashMap<>();
  private final Map<String, Instant> started = new HashMap<>();
  private final Map<String, Map<String, Double>> metrics = new HashMap<>();

  /**
   * @param steps the pipeline's steps, to align names and name targets
   * @param workspace the workspace as the user gave it, for the header
   */
  LiveProgress(Terminal term, List<Step> steps, String workspace) {
    this.term = term;
    this.workspace = workspace;
    this.nameWidth = steps.stream().mapToInt(s -> s.name().length()).max().orElse(0);
    for (Step step : steps) {
      targets.put(step.name(), step.target());
    }
  }

  @Override
  public synchronized void onEvent(RunEvent event) {
    if (event instanceof RunEvent.RunStarted e) {
      term.line("run " + shortId(e.runId()) + "  " + e.pipeline() + "  (workspace " + workspace + ")");
      if (!e.parameters().isEmpty()) {
        term.line("  parameters: " + RunText.parameters(e.parameters()));
      }
    } else if (event instanceof RunEvent.StepStarted e) {
      started.putIfAbsent(e.step(), e.at());
      step(StepStatus.RUNNING, e.step(), "started on " + targets.getOrDefault(e.step(), "?")
          + (e.attempt() > 1 ? " (attempt " + e.attempt() + ")" : ""));
    } else if (event instanceof RunEvent.Metric e) {
      metrics.computeIfAbsent(e.step(), k -> new LinkedHashMap<>()).put(e.name(), e.value());
    } else if (event instanceof RunEvent.StepSucceeded e) {
      StringBuilder text = new StringBuilder("succeeded");
      Instant start = started.get(e.step());
      if (start != null) {
        text.append(" in ").append(Text.duration(Duration.between(start, e.at())));
      }
      String shown = Text.metrics(metrics.getOrDefault(e.step(), Map.of()));
      if (!shown.isEmpty()) {
        text.append("  ").append(shown);
      }
      step(StepStatus.SUCCEEDED, e.step(), text.toString());
    } else if (event instanceof RunEvent.StepReused e) {
      step(StepStatus.REUSED, e.step(), "reused from run " + shortId(e.reusedFrom()));
    } else if (event instanceof RunEvent.StepRetrying e) {
      line(term.retrySymbol(), e.step(), "attempt " + e.attempt() + " failed, retrying in "
          + Text.duration(e.delay()) + ": " + e.error());
    } else if (event instanceof RunEvent.StepFailed e) {
      step(StepStatus.FAILED, e.step(), "failed" + (e.attempt() > 1 ? " after " + e.attempt() + " attempts" : "")
          + ": " + e.error());
    } else if (event instanceof RunEvent.StepSkipped e) {
      step(StepStatus.SKIPPED, e.step(), "skipped: " + e.reason());
    } else if (event instanceof RunEvent.StepCancelled e) {
      step(StepStatus.CANCELLED, e.step(), "cancelled: " + e.reason());
    }
  }

  private void step(StepStatus status, String step, String text) {
    line(term.symbol(status), step, text);
  }

  private void line(String symbol, String step, String text) {
    term.line("  " + symbol + " " + step + " ".repeat(Math.max(0, nameWidth - step.length()) + 2) + text);
  }

  private static String shortId(String runId) {
    return runId.length() <= 8 ? runId : runId.substring(0, 8);
  }
}
