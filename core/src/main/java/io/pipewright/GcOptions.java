package io.pipewright;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What {@link Workspace#gc(GcOptions)} may remove. Immutable; each wither returns a copy.
 *
 * <pre>{@code ws.gc(GcOptions.defaults().keepLast(3).dryRun(true))}</pre>
 *
 * <p>A cache entry is removed when it is older than {@code olderThan} and none of the {@code keepLast} most recent runs
 * of any pipeline used its fingerprint (ran or reused the step); then every stored output that no remaining entry and
 * no running step references is removed. Runs' records are never removed: only what they produced.
 *
 * @param keepLast when set, the cache entries the N most recent runs of each pipeline used are kept, whatever their
 *     age; unset by default
 * @param olderThan only entries created before now minus this are candidates; unset by default, which means
 *     {@value #DEFAULT_AGE_DAYS} days without {@code keepLast} and no age limit with it
 * @param dryRun report what would be removed, and remove nothing
 * @param grace stored outputs and staging folders younger than this are never removed, as another process may be
 *     about to record a cache entry for them; default {@value #DEFAULT_GRACE_MINUTES} minutes
 */
public record GcOptions(OptionalInt keepLast, Optional<Duration> olderThan, boolean dryRun, Duration grace) {
  /** The age limit when neither {@code keepLast} nor {@code olderThan} is given. */
  public static final int DEFAULT_AGE_DAYS = 7;
  /** The default {@link #grace()}. */
  public static final int DEFAULT_GRACE_MINUTES = 10;

  private static final GcOptions DEFAULTS = new GcOptions(OptionalInt.empty(), Optional.empty(), false,
      Duration.ofMinutes(DEFAULT_GRACE_MINUTES));

  public GcOptions {
    Objects.requireNonNull(keepLast, "keepLast");
    Objects.requireNonNull(olderThan, "olderThan");
    Objects.requireNonNull(grace, "grace");
    if (keepLast.isPresent() && keepLast.getAsInt() < 0) {
      throw new IllegalArgumentException("keepLast must be >= 0, was " + keepLast.getAsInt());
    }
    if (olderThan.isPresent() && olderThan.get().isNegative()) {
      throw new IllegalArgumentException("olderThan must be >= 0, was " + olderThan.get());
    }
    if (grace.isNegative()) {
      throw new IllegalArgumentException("grace must be >= 0, was " + grace);
    }
  }

  /** Entries older than {@value #DEFAULT_AGE_DAYS} days are candidates; no dry run; 10 minutes' grace. */
  public static GcOptions defaults() {
    return DEFAULTS;
  }

  /** Keeps the cache entries that the {@code runs} most recent runs of each pipeline used. */
  public GcOptions keepLast(int runs) {
    return new GcOptions(OptionalInt.of(runs), olderThan, dryRun, grace);
  }

  /** Makes only entries created before now minus {@code age} candidates for removal. */
  public GcOptions olderThan(Duration age) {
    return new GcOptions(keepLast, Optional.of(Objects.requireNonNull(age, "olderThan")), dryRun, grace);
  }

  /** Whether to only report what would be removed. */
  public GcOptions dryRun(boolean value) {
    return new GcOptions(keepLast, olderThan, value, grace);
  }

  /** How young an output or staging folder may be and still never be removed. */
  public GcOptions grace(Duration value) {
    return new GcOptions(keepLast, olderThan, dryRun, value);
  }

  /** The age limit that applies: {@code olderThan}, else {@value #DEFAULT_AGE_DAYS} days, or none with keepLast. */
  public Duration effectiveOlderThan() {
    return olderThan.orElse(keepLast.isPresent() ? Duration.ZERO : Duration.ofDays(DEFAULT_AGE_DAYS));
  }
}
