package io.pipewright;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * A test on an upstream step's Metrics or value output that decides whether a step runs at all: deploy only if the
 * model is good enough. The engine checks it when the step's upstreams are done; when it does not hold, the step and
 * everything downstream of it are SKIPPED with the reason (such as {@code accuracy 0.87 < minAccuracy 0.95}), and the
 * run still succeeds. A condition only gates: it is not part of the step's fingerprint.
 *
 * <pre>{@code
 * p.deploy("deploy").input("model", train.model())
 *     .when(Condition.metric(evaluate.metrics(), "accuracy").atLeast("minAccuracy"))
 *     .runs(Release.class);
 * }</pre>
 */
public final class Condition {
  private final Output<?> source;
  private final String description;
  private final String parameter;
  private final Check check;

  @FunctionalInterface
  private interface Check {
    /** Why the condition does not hold, or null when it does. */
    String unmet(Object value, Map<String, Object> parameters);
  }

  private Condition(Output<?> source, String description, String parameter, Check check) {
    this.source = source;
    this.description = description;
    this.parameter = parameter;
    this.check = check;
  }

  /** A threshold on one metric of a Metrics output: {@code metric(evaluate.metrics(), "accuracy").atLeast(0.9)}. */
  public static MetricThreshold metric(Output<Metrics> metrics, String metricName) {
    Objects.requireNonNull(metrics, "metrics");
    if (metricName == null || metricName.isBlank()) {
      throw new IllegalArgumentException("metric name must not be empty");
    }
    return new MetricThreshold(metrics, metricName);
  }

  /**
   * Any test on a JSON value output, described in words for the skip reason:
   * {@code value(check.value("approved", Boolean.class), "approved", ok -> ok)}.
   */
  public static <T> Condition value(Output<T> value, String description, Predicate<? super T> test) {
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(description, "description");
    Objects.requireNonNull(test, "test");
    return new Condition(value, description, null, (v, params) -> test.test(value.type().cast(v)) ? null
        : description + " does not hold (" + value.step() + "." + value.name() + " is " + v + ")");
  }

  /** The output the condition reads; the gated step runs after its step. */
  public Output<?> source() {
    return source;
  }

  /** The pipeline parameter the condition compares with, if any. */
  public Optional<String> parameter() {
    return Optional.ofNullable(parameter);
  }

  /**
   * Why the condition does not hold for the source's value ({@link Metrics}, or the value converted to the source's
   * type) and the run's parameters, or empty when it holds. Called by the engine.
   *
   * @throws IllegalArgumentException when the value lacks what the condition reads (a metric it does not have)
   */
  public Optional<String> unmet(Object sourceValue, Map<String, Object> parameters) {
    return Optional.ofNullable(check.unmet(sourceValue, parameters));
  }

  @Override
  public String toString() {
    return description;
  }

  /** The comparison half of {@link #metric}: a fixed threshold, or a pipeline parameter's value. */
  public static final class MetricThreshold {
    private final Output<Metrics> metrics;
    private final String metric;

    private MetricThreshold(Output<Metrics> metrics, String metric) {
      this.metrics = metrics;
      this.metric = metric;
    }

    public Condition atLeast(double threshold) {
      return compare(">=", "<", threshold, null);
    }

    /** At least the value of a numeric pipeline parameter, so the threshold can change per run. */
    public Condition atLeast(String parameterName) {
      return compare(">=", "<", Double.NaN, parameterName);
    }

    public Condition atMost(double threshold) {
      return compare("<=", ">", threshold, null);
    }

    public Condition atMost(String parameterName) {
      return compare("<=", ">", Double.NaN, parameterName);
    }

    private Condition compare(String holds, String fails, double fixed, String parameterName) {
      if (parameterName == null && !Double.isFinite(fixed)) {
        throw new IllegalArgumentException("threshold of metric '" + metric + "' must be a finite number, was "
            + fixed);
      }
      String right = parameterName == null ? format(fixed) : parameterName;
      boolean atLeast = holds.equals(">=");
      return new Condition(metrics, metric + " " + holds + " " + right, parameterName, (value, params) -> {
        double actual = ((Metrics) value).get(metric);
        double threshold = parameterName == null ? fixed : ((Number) params.get(parameterName)).doubleValue();
        boolean ok = atLeast ? actual >= threshold : actual <= threshold;
        return ok ? null : metric + " " + shown(actual, threshold) + " " + fails + " "
            + (parameterName == null ? format(threshold) : parameterName + " " + format(threshold));
      });
    }
  }

  /** A measured value, rounded to 4 decimals unless that would make it look equal to the threshold it missed. */
  private static String shown(double value, double threshold) {
    double rounded = Math.round(value * 10_000) / 10_000.0;
    return rounded == threshold || Double.isInfinite(rounded) ? format(value) : format(rounded);
  }

  private static String format(double value) {
    return value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value)
        : Double.toString(value);
  }
}
