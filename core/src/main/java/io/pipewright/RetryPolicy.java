package io.pipewright;

import java.time.Duration;
import java.util.Objects;

/**
 * How often a failed step is tried again, and how long to wait between tries: the first retry waits
 * {@code initialBackoff}, each later one {@code multiplier} times longer, never more than {@code maxBackoff}.
 * A {@link StepException#nonRetryable} failure is never retried.
 *
 * @param maxRetries retries after the first attempt (0 = never retry)
 */
public record RetryPolicy(int maxRetries, Duration initialBackoff, double multiplier, Duration maxBackoff) {
  /** Never retry. The default. */
  public static final RetryPolicy NONE = new RetryPolicy(0, Duration.ofSeconds(1), 2.0, Duration.ofMinutes(1));

  public RetryPolicy {
    if (maxRetries < 0) {
      throw new IllegalArgumentException("retries must be >= 0, was " + maxRetries);
    }
    Objects.requireNonNull(initialBackoff, "initialBackoff");
    Objects.requireNonNull(maxBackoff, "maxBackoff");
    if (initialBackoff.isNegative()) {
      throw new IllegalArgumentException("backoff must be >= 0, was " + initialBackoff);
    }
    if (maxBackoff.compareTo(initialBackoff) < 0) {
      throw new IllegalArgumentException(
          "maxBackoff must be >= initialBackoff (" + initialBackoff + "), was " + maxBackoff);
    }
    if (!(multiplier >= 1.0)) {
      throw new IllegalArgumentException("backoff multiplier must be >= 1, was " + multiplier);
    }
  }

  /** Up to {@code maxRetries} retries, waiting 1 s, 2 s, 4 s, ... up to a minute. */
  public static RetryPolicy retries(int maxRetries) {
    return NONE.withMaxRetries(maxRetries);
  }

  public RetryPolicy withMaxRetries(int value) {
    return new RetryPolicy(value, initialBackoff, multiplier, maxBackoff);
  }

  /** A fixed wait before each retry. */
  public RetryPolicy withBackoff(Duration fixed) {
    return new RetryPolicy(maxRetries, fixed, 1.0, fixed);
  }

  public RetryPolicy withBackoff(Duration initial, double multiplier, Duration max) {
    return new RetryPolicy(maxRetries, initial, multiplier, max);
  }

  /** The wait before retry number {@code retry} (1 for the first retry). */
  public Duration backoff(int retry) {
    double millis = initialBackoff.toMillis() * Math.pow(multiplier, Math.max(0, retry - 1));
    return millis >= maxBackoff.toMillis() ? maxBackoff : Duration.ofMillis((long) millis);
  }
}
