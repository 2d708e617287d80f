package io.pipewright.internal.registry;

import io.pipewright.Fingerprint;
import io.pipewright.Lineage;
import io.pipewright.internal.engine.OutputStore;
import io.pipewright.internal.store.Registration;
import io.pipewright.internal.store.RunStore;
import io.pipewright.internal.store.StepExecution;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Builds a {@link Lineage} from what the run store already has: steps' output locations (named by content hash) say
 * which execution produced some content, the {@code input:NAME} components of its fingerprint say what content it
 * consumed, and the registry says which of it is a registered dataset or model.
 */
public final class LineageBuilder {
  /** Deeper than any real pipeline; a bound, so that a damaged store cannot make the tree endless. */
  private static final int MAX_DEPTH = 200;

  private final RunStore store;
  private final OutputStore outputs;
  private final Map<String, List<String>> registered = new HashMap<>();
  private final Map<String, Lineage.Node> built = new HashMap<>();

  public LineageBuilder(RunStore store, OutputStore outputs) {
    this.store = store;
    this.outputs = outputs;
    for (String kind : List.of(Registration.DATASET, Registration.MODEL)) {
      for (Registration r : store.registrations(kind, null)) {
        registered.computeIfAbsent(r.contentHash(), h -> new ArrayList<>()).add(kind + " " + r.name() + ":"
            + r.version());
      }
    }
  }

  /** The lineage of some content, with the steps that consumed it. */
  public Lineage build(String contentHash) {
    Lineage.Node node = node(contentHash, new HashSet<>(), 0);
    return new Lineage(new Lineage.Node(node.contentHash(), node.registeredAs(), node.producer(), node.inputs(),
        usedBy(contentHash)));
  }

  private Lineage.Node node(String hash, Set<String> path, int depth) {
    Lineage.Node known = built.get(hash);
    if (known != null) {
      return known;
    }
    List<String> names = registered.getOrDefault(hash, List.of());
    boolean dataset = names.stream().anyMatch(n -> n.startsWith(Registration.DATASET + " "));
    Lineage.Producer producer = null;
    List<Lineage.Input> inputs = new ArrayList<>();
    Optional<StepExecution> found = dataset ? Optional.empty() : producer(hash);
    if (found.isPresent() && depth < MAX_DEPTH && path.add(hash)) {
      StepExecution step = found.get();
      producer = new Lineage.Producer(step.runId(), step.pipeline(), step.step(), outputName(step, hash));
      for (Map.Entry<String, String> input : inputHashes(step).entrySet()) {
        if (!path.contains(input.getValue())) { // a step that passes its input on unchanged: not a cycle to follow
          inputs.add(new Lineage.Input(input.getKey(), node(input.getValue(), path, depth + 1)));
        }
      }
      path.remove(hash);
    }
    Lineage.Node node = new Lineage.Node(hash, names, producer, inputs, List.of());
    built.put(hash, node);
    return node;
  }

  /** The earliest step execution that succeeded with this content as an output. */
  private Optional<StepExecution> producer(String hash) {
    return store.producersOf(hash).stream().filter(s -> outputName(s, hash) != null).findFirst();
  }

  private String outputName(StepExecution step, String hash) {
    for (Map.Entry<String, String> output : new java.util.TreeMap<>(step.outputs()).entrySet()) {
      if (outputs.hashOfLocation(output.getValue()).filter(hash::equals).isPresent()) {
        return output.getKey();
      }
    }
    return null;
  }

  /** A step's inputs by name, from its fingerprint's {@code input:NAME} components, in name order. */
  private Map<String, String> inputHashes(StepExecution step) {
    Map<String, String> inputs = new java.util.TreeMap<>();
    if (step.fingerprint() == null) {
      return inputs;
    }
    Optional<Fingerprint> fingerprint = store.fingerprint(step.fingerprint());
    fingerprint.ifPresent(f -> f.components().stream().filter(c -> c.name().startsWith("input:"))
        .forEach(c -> inputs.put(c.name().substring("input:".length()), c.value())));
    return inputs;
  }

  private List<Lineage.Use> usedBy(String hash) {
    List<Lineage.Use> uses = new ArrayList<>();
    for (StepExecution step : store.consumersOf(hash)) {
      inputHashes(step).forEach((input, h) -> {
        if (h.equals(hash)) {
          uses.add(new Lineage.Use(step.runId(), step.pipeline(), step.step(), input, step.status()));
        }
      });
    }
    return uses;
  }
}
