package io.pipewright.cli;

import io.pipewright.Run;
import io.pipewright.Workspace;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code pipewright show RUN}: one recorded run with its steps, errors and outputs. */
@Command(name = "show", sortOptions = false,
    description = "Show a run: its parameters, steps, errors and outputs.")
final class ShowCommand extends WorkspaceCommand {
  @Parameters(index = "0", paramLabel = "RUN", description = "The run's id, or the start of it (see: pipewright runs).")
  String runId;

  ShowCommand(Terminal term) {
    super(term);
  }

  @Override
  int execute() {
    Run run;
    try (Workspace ws = openExisting(runId)) {
      run = ws.runs().get(runId);
    }
    if (json) {
      term.line(RunJson.write(RunJson.run(run)));
    } else {
      RunText.details(term, run).forEach(term::line);
    }
    return Main.OK;
  }
}
