package io.pipewright.internal.engine;

import io.pipewright.Condition;
import io.pipewright.Output;
import io.pipewright.Parameter;
import io.pipewright.ParameterType;
import io.pipewright.Pipeline;
import io.pipewright.Problem;
import io.pipewright.Resources;
import io.pipewright.Step;
import io.pipewright.StepInput;
import io.pipewright.spi.Capacity;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.UnaryOperator;

/**
 * Checks a whole pipeline, and the parameter values of a run, reporting every problem at once. Runs in time linear in
 * the number of steps and edges.
 */
public final class Validator {
  /** The outcome: problems (empty when valid) and the run's parameter values, canonical and with defaults filled. */
  public record Result(List<Problem> problems, Map<String, Object> parameters) {
    public boolean valid() {
      return problems.isEmpty();
    }
  }

  /** A configured compute target as validation sees it: its type and what it can ever offer a step. */
  public record Target(String type, Capacity capacity, boolean outOfProcess, boolean otherMachines) {
    /** A target that runs steps in this JVM. */
    public Target(String type, Capacity capacity) {
      this(type, capacity, false, false);
    }
  }

  /**
   * A workspace's targets by logical name, in the order they were configured ({@code local} first), and whether a
   * name no target is bound to falls back to {@code local}, and whether the workspace has a datastore (which targets
   * that run steps on other machines need).
   */
  public record Targets(Map<String, Target> byName, boolean fallbackToLocal, boolean datastore) {
    public Targets {
      byName = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(byName));
    }

    /** The target a step's logical name is bound to: its own, {@code local} when falling back, else null. */
    public String bind(String name) {
      return byName.containsKey(name) ? name : fallbackToLocal && byName.containsKey("local") ? "local" : null;
    }
  }

  private Validator() {}

  /** The targets of a workspace that only has {@code local}: this machine's processors and the JVM's heap. */
  public static Targets localTargets() {
    return new Targets(Map.of("local", new Target("local",
        LocalTarget.defaultCapacity(Runtime.getRuntime().availableProcessors()))), false, false);
  }

  public static Result validate(Pipeline pipeline, List<Step> steps, Targets targets, Map<String, ?> overrides) {
    return validate(pipeline, steps, targets, overrides, null);
  }

  /**
   * @param datasets resolves a DATASET parameter's value to the version it names ({@code digits} to
   *     {@code digits:2}), throwing an exception whose message says what is wrong; {@code null} to check only the form
   */
  public static Result validate(Pipeline pipeline, List<Step> steps, Targets targets, Map<String, ?> overrides,
      UnaryOperator<String> datasets) {
    List<Problem> problems = new ArrayList<>();
    Map<String, Step> byName = new HashMap<>();
    Map<String, Integer> counts = new LinkedHashMap<>();
    for (Step step : steps) {
      byName.putIfAbsent(step.name(), step);
      counts.merge(step.name(), 1, Integer::sum);
    }
    counts.forEach((name, count) -> {
      if (count > 1) {
        problems.add(new Problem(name, "step '" + name + "' is declared " + count + " times"));
      }
    });

    for (Step step : steps) {
      checkDeclaration(step, problems);
      checkInputs(pipeline, step, byName, problems);
      checkParameters(pipeline, step, problems);
      checkConditions(pipeline, step, byName, problems);
    }
    checkCycles(steps, byName, problems);
    checkTargets(steps, targets, problems);
    Map<String, Object> values = checkParameterValues(pipeline, overrides, problems, datasets);
    return new Result(List.copyOf(problems), values);
  }

  private static void checkDeclaration(Step step, List<Problem> problems) {
    for (String message : step.declarationProblems()) {
      problems.add(new Problem(step.name(), message));
    }
    step.outputs().forEach((output, type) -> {
      if (!OutputTypes.supported(type)) {
        problems.add(new Problem(step.name(), "step '" + step.name() + "': output '" + output
            + "' has unsupported type " + type.getName() + " (supported: " + OutputTypes.SUPPORTED + ")"));
      }
    });
  }

  private static void checkInputs(Pipeline pipeline, Step step, Map<String, Step> byName, List<Problem> problems) {
    String prefix = "step '" + step.name() + "': ";
    step.inputs().forEach((inputName, input) -> {
      if (input instanceof StepInput.Remote remote) {
        if (remote.location().getScheme() == null) {
          problems.add(new Problem(step.name(), prefix + "input '" + inputName + "': datastore location "
              + remote.location() + " has no scheme (azureblob://..., file:...)"));
        }
        return;
      }
      if (input instanceof StepInput.DatasetParameter p) {
        Parameter declared = pipeline.parameters().get(p.parameter());
        if (declared == null) {
          problems.add(new Problem(step.name(), prefix + "input '" + inputName + "' reads dataset parameter '"
              + p.parameter() + "', which the pipeline does not declare (declared: " + declared(pipeline) + ")"));
        } else if (declared.type() != ParameterType.DATASET) {
          problems.add(new Problem(step.name(), prefix + "input '" + inputName + "' reads parameter '"
              + p.parameter() + "', which is a " + declared.type().label() + ", not a dataset -- declare it with"
              + " parameter(\"" + p.parameter() + "\", ParameterType.DATASET)"));
        }
        return;
      }
      if (input instanceof StepInput.External external) {
        if (!Files.exists(external.path())) {
          problems.add(new Problem(step.name(), prefix + "input '" + inputName + "': no such file or folder "
              + external.path()));
        }
        return;
      }
      var output = ((StepInput.Upstream) input).output();
      Step producer = byName.get(output.step());
      if (producer == null) {
        problems.add(new Problem(step.name(), prefix + "input '" + inputName + "' refers to step '"
            + output.step() + "', which does not exist" + suggestion(output.step(), byName.keySet())));
        return;
      }
      Class<?> produced = producer.outputs().get(output.name());
      if (produced == null) {
        problems.add(new Problem(step.name(), prefix + "input '" + inputName + "' refers to output '"
            + output.name() + "' of step '" + producer.name() + "', which it does not produce (produces: "
            + (producer.outputs().isEmpty() ? "nothing" : String.join(", ", new TreeSet<>(producer.outputs().keySet())))
            + ")"));
        return;
      }
      if (!OutputTypes.compatible(output.type(), produced)) {
        problems.add(new Problem(step.name(), prefix + "input '" + inputName + "' expects "
            + output.type().getSimpleName() + " but output '" + output.name() + "' of step '" + producer.name()
            + "' is " + produced.getSimpleName()));
      }
    });
    for (String upstream : step.after()) {
      if (!byName.containsKey(upstream)) {
        problems.add(new Problem(step.name(), prefix + "runs after step '" + upstream + "', which does not exist"
            + suggestion(upstream, byName.keySet())));
      }
    }
  }

  private static void checkParameters(Pipeline pipeline, Step step, List<Problem> problems) {
    for (String used : step.parameters()) {
      if (!pipeline.parameters().containsKey(used)) {
        problems.add(new Problem(step.name(), "step '" + step.name() + "': uses parameter '" + used
            + "', which the pipeline does not declare (declared: " + declared(pipeline) + ")"));
      }
    }
  }

  private static void checkConditions(Pipeline pipeline, Step step, Map<String, Step> byName,
      List<Problem> problems) {
    for (Condition condition : step.conditions()) {
      String prefix = "step '" + step.name() + "': condition '" + condition + "' ";
      Output<?> source = condition.source();
      Step producer = byName.get(source.step());
      Class<?> produced = producer == null ? null : producer.outputs().get(source.name());
      if (producer == null) {
        problems.add(new Problem(step.name(), prefix + "reads step '" + source.step() + "', which does not exist"
            + suggestion(source.step(), byName.keySet())));
      } else if (produced == null) {
        problems.add(new Problem(step.name(), prefix + "reads output '" + source.name() + "' of step '"
            + producer.name() + "', which it does not produce (produces: " + (producer.outputs().isEmpty()
            ? "nothing" : String.join(", ", new TreeSet<>(producer.outputs().keySet()))) + ")"));
      } else if (OutputTypes.isFiles(produced) || !OutputTypes.compatible(source.type(), produced)) {
        problems.add(new Problem(step.name(), prefix + "expects " + source.type().getSimpleName() + " but output '"
            + source.name() + "' of step '" + producer.name() + "' is " + produced.getSimpleName()
            + (OutputTypes.isFiles(produced) ? ": a condition reads Metrics or a value" : "")));
      }
      condition.parameter().ifPresent(name -> {
        Parameter parameter = pipeline.parameters().get(name);
        if (parameter == null) {
          problems.add(new Problem(step.name(), prefix + "compares with parameter '" + name + "', which the pipeline"
              + " does not declare (declared: " + declared(pipeline) + ")"));
        } else if (parameter.type() != ParameterType.INTEGER && parameter.type() != ParameterType.DOUBLE) {
          problems.add(new Problem(step.name(), prefix + "compares with parameter '" + name + "', which is a "
              + parameter.type().label() + ", not a number"));
        }
      });
    }
  }

  /** Depth-first search; every back edge closes a cycle, which is printed from its first step back to it. */
  private static void checkCycles(List<Step> steps, Map<String, Step> byName, List<Problem> problems) {
    Map<String, List<String>> upstreams = new HashMap<>();
    for (Step step : steps) {
      upstreams.putIfAbsent(step.name(), step.dependsOn());
    }
    Map<String, Integer> state = new HashMap<>(); // absent: unvisited, 1: on the path, 2: done
    List<String> path = new ArrayList<>();
    for (Step root : steps) {
      if (state.containsKey(root.name())) {
        continue;
      }
      // Iterative DFS: a pipeline of 100,000 chained steps must not overflow the stack.
      List<Iterator> stack = new ArrayList<>();
      stack.add(new Iterator(root.name(), upstreams.get(root.name())));
      state.put(root.name(), 1);
      path.add(root.name());
      while (!stack.isEmpty()) {
        Iterator top = stack.get(stack.size() - 1);
        if (top.next < top.edges.size()) {
          String next = top.edges.get(top.next++);
          if (!byName.containsKey(next)) {
            continue;
          }
          Integer s = state.get(next);
          if (s == null) {
            state.put(next, 1);
            path.add(next);
            stack.add(new Iterator(next, upstreams.get(next)));
          } else if (s == 1) {
            List<String> cycle = new ArrayList<>(path.subList(path.indexOf(next), path.size()));
            Collections.reverse(cycle); // edges point upstream; print in the direction data flows
            cycle.add(cycle.get(0));
            problems.add(new Problem(cycle.get(0), "steps form a cycle: " + String.join(" -> ", cycle)));
          }
        } else {
          state.put(top.step, 2);
          path.remove(path.size() - 1);
          stack.remove(stack.size() - 1);
        }
      }
    }
  }

  private static final class Iterator {
    final String step;
    final List<String> edges;
    int next;

    Iterator(String step, List<String> edges) {
      this.step = step;
      this.edges = edges;
    }
  }

  private static void checkTargets(List<Step> steps, Targets targets, List<Problem> problems) {
    for (Step step : steps) {
      String bound = targets.bind(step.target());
      if (bound == null) {
        problems.add(new Problem(step.name(), "step '" + step.name() + "': compute target '" + step.target()
            + "' is not configured (configured: " + String.join(", ", targets.byName().keySet())
            + ") -- bind it in the workspace config"));
        continue;
      }
      Target target = targets.byName().get(bound);
      if (target.outOfProcess() && RunnerFiles.unrunnable(step).isPresent()) {
        problems.add(new Problem(step.name(), "step '" + step.name() + "' runs on target '" + bound + "' (type "
            + target.type() + "), in another JVM: give it a body class or a Serializable body"));
      }
      if (target.otherMachines() && !targets.datastore()) {
        problems.add(new Problem(step.name(), "step '" + step.name() + "' runs on target '" + bound + "' (type "
            + target.type() + "), on other machines, which reach its inputs and outputs only through a datastore:"
            + " give the workspace one (--datastore, PIPEWRIGHT_DATASTORE or \"datastore\" in the config)"));
      }
      Capacity capacity = target.capacity();
      Resources needs = step.resources();
      List<String> unmet = new ArrayList<>();
      if (needs.cpus() > capacity.cpus()) {
        unmet.add(count(needs.cpus(), "cpu") + " but it has " + capacity.cpus());
      }
      if (needs.memoryBytes() > capacity.memoryBytes()) {
        unmet.add(Resources.formatSize(needs.memoryBytes()) + " of memory but it has "
            + Resources.formatSize(capacity.memoryBytes()));
      }
      if (needs.gpus() > capacity.gpus()) {
        unmet.add(count(needs.gpus(), "gpu") + " but it has " + capacity.gpus());
      }
      if (!unmet.isEmpty()) {
        problems.add(new Problem(step.name(), "step '" + step.name() + "': needs " + String.join(", ", unmet)
            + " on target '" + bound + "' (type " + target.type() + (bound.equals(step.target()) ? ""
            : ", standing in for '" + step.target() + "'") + ")"));
      }
    }
  }

  private static Map<String, Object> checkParameterValues(Pipeline pipeline, Map<String, ?> overrides,
      List<Problem> problems, UnaryOperator<String> datasets) {
    Map<String, Object> values = new LinkedHashMap<>();
    checkValues(pipeline, overrides, problems, values);
    if (datasets != null) {
      for (Parameter p : pipeline.parameters().values()) {
        if (p.type() == ParameterType.DATASET && values.get(p.name()) instanceof String reference) {
          try {
            values.put(p.name(), datasets.apply(reference));
          } catch (RuntimeException e) {
            problems.add(new Problem(null, "parameter '" + p.name() + "': " + e.getMessage()));
          }
        }
      }
    }
    return values;
  }

  private static void checkValues(Pipeline pipeline, Map<String, ?> overrides, List<Problem> problems,
      Map<String, Object> values) {
    for (Parameter p : pipeline.parameters().values()) {
      if (overrides.containsKey(p.name())) {
        try {
          values.put(p.name(), p.type().coerce(overrides.get(p.name())));
        } catch (IllegalArgumentException e) {
          problems.add(new Problem(null, "parameter '" + p.name() + "': " + e.getMessage()));
        }
      } else if (p.required()) {
        problems.add(new Problem(null, "parameter '" + p.name() + "' (" + p.type().label()
            + ") has no default and no value was given"));
      } else {
        values.put(p.name(), p.defaultValue());
      }
    }
    for (String given : new TreeSet<>(overrides.keySet())) {
      if (!pipeline.parameters().containsKey(given)) {
        problems.add(new Problem(null, "unknown parameter '" + given + "' (declared: " + declared(pipeline) + ")"));
      }
    }
  }

  private static String count(int n, String noun) {
    return n + " " + noun + (n == 1 ? "" : "s");
  }

  private static String declared(Pipeline pipeline) {
    return pipeline.parameters().isEmpty() ? "none" : String.join(", ", pipeline.parameters().keySet());
  }

  private static String suggestion(String name, Iterable<String> known) {
    String best = null;
    int bestDistance = 3;
    for (String candidate : known) {
      int d = distance(name, candidate);
      if (d < bestDistance) {
        best = candidate;
        bestDistance = d;
      }
    }
    return best == null ? "" : " -- did you mean '" + best + "'?";
  }

  private static int distance(String a, String b) {
    if (Math.abs(a.length() - b.length()) > 2) {
      return Integer.MAX_VALUE;
    }
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
