package io.pipewright;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Where a model version, dataset version or step output came from, and who used it: {@link Workspace#lineage}.
 *
 * <p>The root is the thing asked about. Each node is some content (files or a value), known by its content hash: the
 * registered datasets and models with that content, the step execution that produced it (the earliest run whose step
 * succeeded with it as an output), and, through that step's fingerprint, the content of each of its inputs, recursively,
 * down to registered datasets (which are leaves) or files that were never registered. The root also lists the step
 * executions that consumed it (ran or were reused with it as an input).
 *
 * <pre>
 * model digits:3  sha256:0f3a5b6c7d8e
 *   produced by run 1de3aa26 (digits) step train, output model
 *   input train: output prep.train  sha256:91c2d4e5f6a7
 *     produced by run 1de3aa26 (digits) step prep, output train
 *     input digits: dataset digits:2  sha256:4b5a6c7d8e9f
 *   used by run 1de3aa26 (digits) step deploy, input model
 * </pre>
 */
public record Lineage(Node root) {
  public Lineage {
    Objects.requireNonNull(root, "root");
  }

  /**
   * Some content and where it came from.
   *
   * @param registeredAs the registered versions with this content: {@code dataset digits:2}, {@code model digits:3}
   * @param producer the step execution that produced it, or {@code null} (a registered dataset, unregistered files,
   *     or a producer whose run records are gone)
   * @param inputs the producer's inputs, by name, in name order
   * @param usedBy for the root only: the steps that consumed it, earliest run first
   */
  public record Node(String contentHash, List<String> registeredAs, Producer producer, List<Input> inputs,
      List<Use> usedBy) {
    public Node {
      Objects.requireNonNull(contentHash, "contentHash");
      registeredAs = List.copyOf(registeredAs);
      inputs = List.copyOf(inputs);
      usedBy = List.copyOf(usedBy);
    }

    /** How the node is named when printed: its registrations, the output it is, or what is left. */
    public String title() {
      if (!registeredAs.isEmpty()) {
        return String.join(", ", registeredAs);
      }
      return producer != null ? "output " + producer.step() + "." + producer.output() : "unregistered files or value";
    }
  }

  /** The step execution that produced some content. */
  public record Producer(String runId, String pipeline, String step, String output) {}

  /** One input of a producer, and the content it consumed. */
  public record Input(String name, Node node) {}

  /** A step execution that consumed the content, under input {@code input}. */
  public record Use(String runId, String pipeline, String step, String input, StepStatus status) {}

  /** The tree as text, two spaces of indent per level (the form the command line prints). */
  public List<String> lines() {
    List<String> lines = new ArrayList<>();
    lines.add(root.title() + "  " + shortHash(root.contentHash()));
    body(root, "  ", lines);
    for (Use use : root.usedBy()) {
      lines.add("  used by run " + shortRun(use.runId()) + " (" + use.pipeline() + ") step " + use.step() + ", input "
          + use.input() + (use.status() == StepStatus.REUSED ? " (reused)" : ""));
    }
    if (root.usedBy().isEmpty()) {
      lines.add("  used by no step");
    }
    return lines;
  }

  private static void body(Node node, String indent, List<String> lines) {
    Producer p = node.producer();
    if (p != null) {
      lines.add(indent + "produced by run " + shortRun(p.runId()) + " (" + p.pipeline() + ") step " + p.step()
          + ", output " + p.output());
    }
    for (Input input : node.inputs()) {
      lines.add(indent + "input " + input.name() + ": " + input.node().title() + "  "
          + shortHash(input.node().contentHash()));
      body(input.node(), indent + "  ", lines);
    }
  }

  private static String shortHash(String hash) {
    return hash.length() > 19 ? hash.substring(0, 19) : hash;
  }

  private static String shortRun(String runId) {
    return runId.length() <= 8 ? runId : runId.substring(0, 8);
  }

  @Override
  public String toString() {
    return String.join("\n", lines());
  }
}
