package io.pipewright.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pipewright.Explanation;
import io.pipewright.Run;
import io.pipewright.StepRun;
import io.pipewright.UserException;
import io.pipewright.Workspace;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code pipewright explain RUN STEP}: why a step of a run ran or was reused, as the differences of its fingerprint
 * from the closest earlier execution, or why an equal fingerprint was not reused.
 */
@Command(name = "explain", sortOptions = false,
    description = "Say why a step of a run ran or was reused: what differs from the closest earlier execution.")
final class ExplainCommand extends WorkspaceCommand {
  @Parameters(index = "0", paramLabel = "RUN", description = "The run's id, or the start of it (see: pipewright runs).")
  String runId;

  @Parameters(index = "1", paramLabel = "STEP", description = "The step's name.")
  String step;

  ExplainCommand(Terminal term) {
    super(term);
  }

  @Override
  int execute() {
    Explanation explanation;
    try (Workspace ws = openExisting(runId)) {
      Run run = ws.runs().get(runId);
      if (run.steps().stream().noneMatch(s -> s.name().equals(step))) {
        throw new UserException("run " + run.shortId() + " (" + run.pipeline() + ") has no step '" + step
            + "' (steps: " + String.join(", ", run.steps().stream().map(StepRun::name).toList()) + ")");
      }
      explanation = ws.runs().explain(run.id(), step);
    }
    if (json) {
      term.line(RunJson.write(toJson(explanation)));
    } else {
      explanation.lines().forEach(term::line);
    }
    return Main.OK;
  }

  /**
   * {@code {"runId", "step", "status", "fingerprint", "comparedWith", "reusedFrom", "reason", "differences"}}; fields
   * that do not apply are {@code null}.
   */
  static ObjectNode toJson(Explanation e) {
    ObjectNode node = RunJson.object();
    node.put("runId", e.runId());
    node.put("step", e.step());
    node.put("status", e.status().name());
    node.put("fingerprint", e.fingerprint());
    node.put("comparedWith", e.comparedWith());
    node.put("reusedFrom", e.reusedFrom());
    node.put("reason", e.reason());
    ArrayNode differences = node.putArray("differences");
    e.differences().forEach(differences::add);
    return node;
  }
}
