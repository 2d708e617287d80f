package io.pipewright.cli;

import io.pipewright.Run;
import io.pipewright.RunEvent;
import io.pipewright.StepRun;
import io.pipewright.UserException;
import io.pipewright.Workspace;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code pipewright logs RUN STEP}: what one step of a run logged. */
@Command(name = "logs", sortOptions = false,
    description = "Print the lines a step of a run logged (INFO and above), in order.")
final class LogsCommand extends WorkspaceCommand {
  @Parameters(index = "0", paramLabel = "RUN", description = "The run's id, or the start of it (see: pipewright runs).")
  String runId;

  @Parameters(index = "1", paramLabel = "STEP", description = "The step's name.")
  String step;

  LogsCommand(Terminal term) {
    super(term);
  }

  @Override
  int execute() {
    Run run;
    List<RunEvent.Log> logs;
    try (Workspace ws = openExisting(runId)) {
      run = ws.runs().get(runId);
      if (run.steps().stream().noneMatch(s -> s.name().equals(step))) {
        throw new UserException("run " + run.shortId() + " (" + run.pipeline() + ") has no step '" + step
            + "' (steps: " + String.join(", ", run.steps().stream().map(StepRun::name).toList()) + ")");
      }
      logs = ws.runs().logs(run.id(), step);
    }
    if (json) {
      term.line(RunJson.write(RunJson.logs(run.id(), step, logs)));
    } else if (logs.isEmpty()) {
      term.line("step '" + step + "' of run " + run.shortId() + " logged nothing");
    } else {
      RunText.logLines(logs).forEach(term::line);
    }
    return Main.OK;
  }
}
