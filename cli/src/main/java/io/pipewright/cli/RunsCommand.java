package io.pipewright.cli;

import io.pipewright.Run;
import io.pipewright.UserException;
import io.pipewright.Workspace;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code pipewright runs}: the latest runs recorded in the workspace, newest first. */
@Command(name = "runs", sortOptions = false,
    description = "List the latest runs of the workspace, newest first.")
final class RunsCommand extends WorkspaceCommand {
  @Option(names = {"-n", "--limit"}, paramLabel = "N", defaultValue = "20", order = 1,
      description = "How many runs to list. Default: ${DEFAULT-VALUE}")
  int limit;

  RunsCommand(Terminal term) {
    super(term);
  }

  @Override
  int execute() {
    if (limit < 1) {
      throw new UserException("--limit must be >= 1, was " + limit);
    }
    List<Run> runs;
    if (exists()) {
      try (Workspace ws = open()) {
        runs = ws.runs().list(limit);
      }
    } else {
      runs = List.of();
    }
    if (json) {
      term.line(RunJson.write(RunJson.runs(absoluteWorkspace(), runs)));
    } else if (runs.isEmpty()) {
      term.line("no runs in workspace " + absoluteWorkspace());
    } else {
      RunText.runTable(runs).forEach(term::line);
    }
    return Main.OK;
  }
}
