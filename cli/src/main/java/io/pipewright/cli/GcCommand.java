package io.pipewright.cli;

import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pipewright.GcOptions;
import io.pipewright.GcReport;
import io.pipewright.UserException;
import io.pipewright.Workspace;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code pipewright gc}: removes cache entries no longer wanted, then the stored outputs nothing uses any more, and
 * the staging folders of runs that ended. See {@link Workspace#gc(GcOptions)}.
 */
@Command(name = "gc", sortOptions = false,
    description = {"Remove cache entries no longer wanted, then the stored outputs that nothing uses any more.",
        "Without options, entries older than " + GcOptions.DEFAULT_AGE_DAYS + " days go. Outputs written in the last "
            + GcOptions.DEFAULT_GRACE_MINUTES + " minutes, and those of running steps, always stay."})
final class GcCommand extends WorkspaceCommand {
  private static final Pattern SHORT = Pattern.compile("(\\d+)([dhms])");
  private static final ObjectMapper MAPPER = JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();

  @Option(names = "--keep-last", paramLabel = "N", order = 1,
      description = "Keep the cache entries the N most recent runs of each pipeline used, whatever their age.")
  Integer keepLast;

  @Option(names = "--older-than", paramLabel = "DURATION", order = 2,
      description = "Only entries created longer ago than this may go: 7d, 12h, 30m, 45s or ISO-8601 (PT12H)."
          + " Default: " + GcOptions.DEFAULT_AGE_DAYS + "d, or no limit with --keep-last.")
  String olderThan;

  @Option(names = "--dry-run", order = 3, description = "Say what would be removed, and remove nothing.")
  boolean dryRun;

  GcCommand(Terminal term) {
    super(term);
  }

  @Override
  int execute() {
    GcOptions options = GcOptions.defaults().dryRun(dryRun);
    if (keepLast != null) {
      if (keepLast < 0) {
        throw new UserException("--keep-last must be >= 0, was " + keepLast);
      }
      options = options.keepLast(keepLast);
    }
    if (olderThan != null) {
      options = options.olderThan(duration("--older-than", olderThan));
    }
    GcReport report;
    if (exists()) {
      try (Workspace ws = open()) {
        report = ws.gc(options);
      }
    } else {
      report = new GcReport(dryRun, 0, 0, 0, 0, 0, 0, 0, List.of()); // nothing there: nothing created either
    }
    if (json) {
      term.line(json(report));
    } else {
      term.line(text(report));
    }
    return Main.OK;
  }

  /** A duration as 7d, 12h, 30m, 45s, or ISO-8601 (PT12H, P2D). */
  static Duration duration(String option, String text) {
    Matcher m = SHORT.matcher(text.trim().toLowerCase(Locale.ROOT));
    Duration d = null;
    if (m.matches()) {
      try {
        long n = Long.parseLong(m.group(1));
        d = switch (m.group(2)) {
          case "d" -> Duration.ofDays(n);
          case "h" -> Duration.ofHours(n);
          case "m" -> Duration.ofMinutes(n);
          default -> Duration.ofSeconds(n);
        };
      } catch (ArithmeticException | NumberFormatException e) {
        d = null;
      }
    } else {
      try {
        d = Duration.parse(text.trim());
      } catch (DateTimeParseException e) {
        d = null;
      }
    }
    if (d == null || d.isNegative()) {
      throw new UserException("invalid " + option + " '" + text + "': give a duration such as 7d, 12h, 30m, 45s or"
          + " PT12H");
    }
    return d;
  }

  /** {@code removed 12 cache entries and 30 objects, freed 1.2 MB (kept 4 objects in use)}, and the like. */
  static String text(GcReport r) {
    StringBuilder what = new StringBuilder(count(r.entriesRemoved(), "cache entry", "cache entries"));
    what.append(r.stagingRemoved() == 0 ? " and " : ", ").append(count(r.objectsRemoved(), "object", "objects"));
    if (r.stagingRemoved() > 0) {
      what.append(" and ").append(count(r.stagingRemoved(), "staging folder", "staging folders"));
    }
    StringBuilder kept = new StringBuilder(count(r.objectsInUse(), "object", "objects")).append(" in use");
    if (r.objectsRecent() > 0) {
      kept.append(", ").append(r.objectsRecent()).append(" written in the last ")
          .append(GcOptions.DEFAULT_GRACE_MINUTES).append(" min");
    }
    // (No runs are active in this command's own process, so activeRuns is always empty here.)
    return r.dryRun()
        ? "would remove " + what + ", freeing " + bytes(r.bytesFreed()) + " (would keep " + kept
            + "); nothing was removed (--dry-run)"
        : "removed " + what + ", freed " + bytes(r.bytesFreed()) + " (kept " + kept + ")";
  }

  private static String count(int n, String one, String many) {
    return n + " " + (n == 1 ? one : many);
  }

  /** Bytes in decimal units, one decimal: 512 B, 1.2 kB, 3.4 MB. */
  static String bytes(long n) {
    if (n < 1000) {
      return n + " B";
    }
    String[] units = {"kB", "MB", "GB", "TB", "PB"};
    double value = n;
    int unit = -1;
    while (value >= 999.95 && unit < units.length - 1) {
      value /= 1000;
      unit++;
    }
    return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
  }

  private String json(GcReport r) {
    ObjectNode node = MAPPER.createObjectNode();
    node.put("workspace", absoluteWorkspace());
    node.put("dryRun", r.dryRun());
    node.put("entriesRemoved", r.entriesRemoved());
    node.put("entriesKept", r.entriesKept());
    node.put("objectsRemoved", r.objectsRemoved());
    node.put("objectsInUse", r.objectsInUse());
    node.put("objectsRecent", r.objectsRecent());
    node.put("stagingRemoved", r.stagingRemoved());
    node.put("bytesFreed", r.bytesFreed());
    node.set("activeRuns", MAPPER.valueToTree(r.activeRuns()));
    try {
      return MAPPER.writeValueAsString(node);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("cannot write the gc report as JSON", e);
    }
  }
}
