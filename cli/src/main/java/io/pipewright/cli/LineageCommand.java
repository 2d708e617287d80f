package io.pipewright.cli;

import io.pipewright.Lineage;
import io.pipewright.UserException;
import io.pipewright.Workspace;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code pipewright lineage THING}: where a model, dataset or step output came from, and who used it. */
@Command(name = "lineage", sortOptions = false,
    description = {"Show where a model version, dataset version or step output came from, as a tree back to the"
        + " registered datasets, and which steps used it."})
final class LineageCommand extends WorkspaceCommand {
  @Parameters(index = "0", paramLabel = "THING",
      description = "model:NAME[:VERSION|:TAG], dataset:NAME[:VERSION] or RUN/STEP/OUTPUT (RUN: an id or its start).")
  String reference;

  LineageCommand(Terminal term) {
    super(term);
  }

  @Override
  int execute() {
    if (!exists()) {
      throw new UserException("no '" + reference + "': there is no workspace " + absoluteWorkspace()
          + " -- give the right one with --workspace");
    }
    Lineage lineage;
    try (Workspace ws = open()) {
      lineage = ws.lineage(reference);
    }
    if (json) {
      term.line(RunJson.write(RunJson.object().put("reference", reference)
          .set("root", RegistryText.json(lineage.root()))));
    } else {
      lineage.lines().forEach(term::line);
    }
    return Main.OK;
  }
}
