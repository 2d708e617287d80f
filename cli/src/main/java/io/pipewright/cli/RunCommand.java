package io.pipewright.cli;

import io.pipewright.Pipeline;
import io.pipewright.Run;
import io.pipewright.RunOptions;
import io.pipewright.UserException;
import io.pipewright.Workspace;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code pipewright run PIPELINE}: runs a pipeline in the workspace, showing its steps as they go. */
@Command(name = "run", sortOptions = false,
    description = {"Run a pipeline and wait for it to end.",
        "PIPELINE is a name registered by a PipelineProvider on the classpath (see: pipewright pipelines), or the"
            + " class name of a PipelineProvider."},
    exitCodeListHeading = "%nExit codes:%n", exitCodeList = {
        "0:the run succeeded",
        "1:the run failed or was cancelled",
        "2:a usage error or a user error: option, parameter, pipeline name, workspace",
        "3:an unexpected error: a bug in a pipeline's code or in Pipewright",
        "130:interrupted (Ctrl-C): the run was cancelled and recorded"})
final class RunCommand extends WorkspaceCommand {
  @Parameters(index = "0", paramLabel = "PIPELINE", description = "The pipeline's name or provider class.")
  String pipeline;

  @Option(names = {"-p", "--param"}, order = 1, paramLabel = "NAME=VALUE",
      description = "A parameter value, parsed by the parameter's type; repeat for several.")
  List<String> params = new ArrayList<>();

  @Option(names = "--no-reuse", order = 3,
      description = "Run every step, even those whose fingerprint matches an earlier execution (their outputs are"
          + " still recorded for later reuse).")
  boolean noReuse;

  @Option(names = "--fail-fast", order = 2,
      description = "When a step fails, cancel the running steps and skip the rest (default: independent steps"
          + " still run).")
  boolean failFast;

  RunCommand(Terminal term) {
    super(term);
  }

  @Override
  int execute() {
    Map<String, String> values = parseParams(params);
    Pipeline definition = PipelineRegistry.load().resolve(pipeline);
    try (Workspace ws = open()) {
      RunOptions options = RunOptions.defaults().params(values).failFast(failFast).reuse(!noReuse);
      if (!json) {
        options = options.listener(new LiveProgress(term, definition.steps(), workspace));
      }
      Run run = ws.submit(definition, options).await();
      if (json) {
        term.line(RunJson.write(RunJson.run(run)));
      } else {
        term.line("");
        RunText.stepTable(term, run).forEach(term::line);
        term.line(RunText.statusLine(run));
      }
      return run.succeeded() ? Main.OK : Main.RUN_FAILED;
    }
  }

  /**
   * {@code NAME=VALUE} texts as a map, in the order given. Values stay text: the workspace parses each by its
   * parameter's type and reports every bad one at once.
   *
   * @throws UserException for a text without a name and '=', or a name given twice
   */
  static Map<String, String> parseParams(List<String> given) {
    Map<String, String> values = new LinkedHashMap<>();
    for (String text : given) {
      int eq = text.indexOf('=');
      String name = eq < 0 ? "" : text.substring(0, eq).strip();
      if (name.isEmpty()) {
        throw new UserException("malformed --param '" + text + "': expected NAME=VALUE");
      }
      String value = text.substring(eq + 1);
      String before = values.put(name, value);
      if (before != null) {
        throw new UserException("--param '" + name + "' is given twice ('" + before + "' and '" + value
            + "'): give it once");
      }
    }
    return values;
  }
}
