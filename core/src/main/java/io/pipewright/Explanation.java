package io.pipewright;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Why a step of a run ran, or was reused: the answer to {@code pipewright explain RUN STEP}. A step that ran is
 * compared with the closest earlier execution it could have been reused from: an earlier one with the same fingerprint
 * (then the cause says why it was not reused), or else the latest earlier execution of the same step of the same
 * pipeline, component by component. From {@link RunHistory#explain}.
 *
 * <pre>{@code
 * System.out.println(ws.runs().explain("9a41d0", "train"));
 * // train ran because its fingerprint differs from run 7f3c21a0 (2026-11-30 06:12):
 * //   parameter epochs: 20 -> 30
 * //   (code, inputs and environment unchanged)
 * }</pre>
 *
 * @param runId the explained run's full id
 * @param status the step's status in that run
 * @param fingerprint the hash of the step's fingerprint, or {@code null} if it was never fingerprinted
 * @param comparedWith the run whose execution of the step this one was compared with, or {@code null}: for the
 *     causes {@link Cause#FINGERPRINT_CHANGED}, {@link Cause#REUSE_OFF} and {@link Cause#OUTPUTS_NOT_REUSABLE}
 * @param comparedWithStartedAt when that run started, or {@code null}
 * @param reusedFrom for a REUSED step, the run whose execution produced its outputs; otherwise {@code null}
 * @param reason the cause in words, one line, for example {@code reuse was off for the run}
 * @param differences for {@link Cause#FINGERPRINT_CHANGED}, one line per differing component, such as
 *     {@code parameter epochs: 20 -> 30}, {@code input data: content changed (1 of 3 files: b.csv)}, {@code code:
 *     class com.acme.Train changed}, {@code library: a-1.0.jar -> a-1.1.jar}; otherwise empty
 */
public record Explanation(String runId, String step, StepStatus status, Cause cause, String fingerprint,
    String comparedWith, Instant comparedWithStartedAt, String reusedFrom, String reason, List<String> differences) {

  private static final DateTimeFormatter MINUTES = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm", Locale.ROOT)
      .withZone(ZoneId.systemDefault());

  /** Why the step ran or was reused. */
  public enum Cause {
    /** An earlier execution with the same fingerprint left intact outputs: the step did not run. */
    REUSED,
    /** Its fingerprint differs from that of the closest earlier execution: see the differences. */
    FINGERPRINT_CHANGED,
    /** No earlier run of the pipeline executed the step, and nothing else had its fingerprint. */
    FIRST_EXECUTION,
    /** The step does not allow reuse: a deploy step, or one given {@code allowReuse(false)}. */
    REUSE_NOT_ALLOWED,
    /** Its fingerprint cannot vouch for its outputs, for example its code cannot be read; the reason says why. */
    NOT_REUSABLE,
    /** An earlier execution had the same fingerprint, but the run was started without reuse. */
    REUSE_OFF,
    /**
     * An earlier execution had the same fingerprint, but its outputs were missing or damaged (or older than the
     * step's {@code maxReuseAge}).
     */
    OUTPUTS_NOT_REUSABLE,
    /** The step never became ready (skipped, cancelled, still pending) or failed before it was fingerprinted. */
    NOT_FINGERPRINTED
  }

  public Explanation {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(step, "step");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(cause, "cause");
    Objects.requireNonNull(reason, "reason");
    differences = List.copyOf(differences);
  }

  /** The explanation as the command line prints it, one line per element. */
  public List<String> lines() {
    List<String> lines = new ArrayList<>();
    switch (cause) {
      case REUSED -> lines.add(step + " was reused from run " + shortId(reusedFrom) + " (fingerprint "
          + shortHash(fingerprint) + ")");
      case FINGERPRINT_CHANGED -> {
        lines.add(step + " " + verb() + " because its fingerprint differs from run " + shortId(comparedWith)
            + (comparedWithStartedAt == null ? "" : " (" + MINUTES.format(comparedWithStartedAt) + ")") + ":");
        differences.forEach(d -> lines.add("  " + d));
        String unchanged = unchanged(differences);
        if (!unchanged.isEmpty()) {
          lines.add("  (" + unchanged + " unchanged)");
        }
      }
      case NOT_FINGERPRINTED -> lines.add(step + " did not run (" + status + "): " + reason);
      default -> lines.add(step + " " + verb() + ": " + reason);
    }
    return lines;
  }

  /** {@link #lines()}, joined by newlines. */
  @Override
  public String toString() {
    return String.join("\n", lines());
  }

  private String verb() {
    return status == StepStatus.RUNNING || status == StepStatus.QUEUED ? "is running" : "ran";
  }

  /** The first 8 characters of a run id, as runs are shown elsewhere. */
  static String shortId(String runId) {
    return runId == null || runId.length() <= 8 ? String.valueOf(runId) : runId.substring(0, 8);
  }

  private static String shortHash(String hash) {
    int shown = "sha256:".length() + 12;
    return hash == null ? "none" : hash.length() <= shown ? hash : hash.substring(0, shown) + "...";
  }

  /** {@code code, inputs and environment}: the parts the differences leave alone, by their lines' prefixes. */
  private static String unchanged(List<String> differences) {
    List<String> parts = new ArrayList<>();
    if (differences.stream().noneMatch(d -> d.startsWith("code:") || d.startsWith("library:")
        || d.startsWith("version:") || d.startsWith("state:"))) {
      parts.add("code");
    }
    if (differences.stream().noneMatch(d -> d.startsWith("parameter "))) {
      parts.add("parameters");
    }
    if (differences.stream().noneMatch(d -> d.startsWith("input "))) {
      parts.add("inputs");
    }
    if (differences.stream().noneMatch(d -> d.startsWith("environment "))) {
      parts.add("environment");
    }
    if (parts.size() <= 1) {
      return String.join("", parts);
    }
    return String.join(", ", parts.subList(0, parts.size() - 1)) + " and " + parts.get(parts.size() - 1);
  }
}
