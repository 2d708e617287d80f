package io.pipewright;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How to run a pipeline: parameter values, listeners, fail-fast. Immutable; each wither returns a copy.
 *
 * <pre>{@code ws.submit(pipeline, RunOptions.defaults().param("epochs", 30).failFast(true))}</pre>
 *
 * @param parameters values overriding the pipeline's defaults; text is parsed by the parameter's type
 * @param listeners receive the run's events as they happen
 * @param failFast when a step fails, cancel the running steps and skip the rest, instead of finishing independent
 *     branches (the default)
 * @param reuse whether a step whose fingerprint matches an earlier execution with intact outputs is REUSED instead of
 *     run (the default); outputs of the steps that do run are recorded for later reuse either way
 */
public record RunOptions(Map<String, Object> parameters, List<RunListener> listeners, boolean failFast,
    boolean reuse) {
  private static final RunOptions DEFAULTS = new RunOptions(Map.of(), List.of(), false, true);

  public RunOptions {
    parameters = Map.copyOf(parameters);
    listeners = List.copyOf(listeners);
  }

  public static RunOptions defaults() {
    return DEFAULTS;
  }

  public RunOptions param(String name, Object value) {
    Objects.requireNonNull(name, "parameter name");
    Objects.requireNonNull(value, "value of parameter '" + name + "'");
    Map<String, Object> copy = new LinkedHashMap<>(parameters);
    copy.put(name, value);
    return new RunOptions(copy, listeners, failFast, reuse);
  }

  public RunOptions params(Map<String, ?> values) {
    Map<String, Object> copy = new LinkedHashMap<>(parameters);
    values.forEach((name, value) -> copy.put(Objects.requireNonNull(name, "parameter name"),
        Objects.requireNonNull(value, "value of parameter '" + name + "'")));
    return new RunOptions(copy, listeners, failFast, reuse);
  }

  public RunOptions listener(RunListener listener) {
    List<RunListener> copy = new ArrayList<>(listeners);
    copy.add(Objects.requireNonNull(listener, "listener"));
    return new RunOptions(parameters, copy, failFast, reuse);
  }

  public RunOptions failFast(boolean value) {
    return new RunOptions(parameters, listeners, value, reuse);
  }

  /** Whether steps may reuse earlier executions (default true); false runs every step, as {@code --no-reuse}. */
  public RunOptions reuse(boolean value) {
    return new RunOptions(parameters, listeners, failFast, value);
  }
}
