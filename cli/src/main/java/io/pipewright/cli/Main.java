package io.pipewright.cli;

import io.pipewright.PipewrightException;
import io.pipewright.UserException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The {@code pipewright} command: run pipelines, list runs, show a run, print a step's logs, manage the registered
 * datasets and models, show lineage, run JShell with Pipewright on the class path.
 *
 * <p>Exit codes: {@value #OK} when the command did its job (for {@code run}: the run succeeded), {@value #RUN_FAILED}
 * when a run failed or was cancelled (or a {@code jshell} script failed), {@value #USER_ERROR} for a usage or user
 * error (a bad option or parameter, an unknown pipeline or run, a workspace that cannot be used),
 * {@value #UNEXPECTED} for anything else (a bug in a pipeline's code or in Pipewright). Errors are one line on standard error, without a stack trace unless
 * {@code --verbose} is given.
 *
 * <p>{@link #run} is the testable entry point: it writes to the given streams and returns the exit code.
 */
public final class Main {
  static final int OK = 0;
  static final int RUN_FAILED = 1;
  static final int USER_ERROR = 2;
  static final int UNEXPECTED = 3;

  /** How long a Ctrl-C waits for the command to print the cancelled run and close the workspace. */
  private static final long SHUTDOWN_WAIT_SECONDS = 15;

  private Main() {}

  public static void main(String[] args) {
    // On Ctrl-C the workspace's own hook cancels the run; this one keeps the JVM up until the command has printed
    // the cancelled run and closed the workspace.
    CountDownLatch finished = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        finished.await(SHUTDOWN_WAIT_SECONDS, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "pipewright-cli-shutdown"));
    int code;
    try {
      code = run(System.out, System.err, args);
    } finally {
      finished.countDown();
    }
    System.exit(code);
  }

  /** Runs the command with these arguments, writing to {@code out} and {@code err}; returns the exit code. */
  public static int run(PrintStream out, PrintStream err, String... args) {
    return run(Terminal.of(out, err), args);
  }

  static int run(Terminal term, String... args) {
    PrintStream out = term.out();
    PrintStream err = term.err();
    PrintWriter outWriter = new PrintWriter(out, true);
    PrintWriter errWriter = new PrintWriter(err, true);
    CommandLine cli = new CommandLine(new PipewrightCommand())
        .addSubcommand(new RunCommand(term))
        .addSubcommand(new RunsCommand(term))
        .addSubcommand(new ShowCommand(term))
        .addSubcommand(new LogsCommand(term))
        .addSubcommand(new ExplainCommand(term))
        .addSubcommand(new PipelinesCommand(term))
        .addSubcommand(new GcCommand(term))
        .addSubcommand("datasets", DatasetsCommand.create(term))
        .addSubcommand("models", ModelsCommand.create(term))
        .addSubcommand(new LineageCommand(term))
        .addSubcommand(new JShellCommand(term))
        .addSubcommand("k8s", K8sCommand.create(term))
        .addSubcommand(new CommandLine.HelpCommand())
        .setOut(outWriter)
        .setErr(errWriter)
        .setExecutionExceptionHandler((e, command, parseResult) ->
            report(term, e, command.getCommand() instanceof BaseCommand c && c.verbose))
        .setParameterExceptionHandler((e, arguments) -> usageError(term, e));
    try {
      return cli.execute(args);
    } finally {
      outWriter.flush();
      errWriter.flush();
      out.flush();
      err.flush();
    }
  }

  /** One line for the exception, its stack trace only if verbose; the exit code it deserves. */
  static int report(Terminal term, Exception e, boolean verbose) {
    if (e instanceof UserException) {
      term.error(e.getMessage());
    } else {
      String message = e instanceof PipewrightException ? e.getMessage()
          : "unexpected error: " + PipelineRegistry.describe(e);
      term.error(message + (verbose ? "" : " -- run with --verbose for the stack trace"));
    }
    if (verbose) {
      e.printStackTrace(term.err());
      term.err().flush();
    }
    return e instanceof UserException ? USER_ERROR : UNEXPECTED;
  }

  private static int usageError(Terminal term, ParameterException e) {
    CommandLine command = e.getCommandLine();
    StringBuilder message = new StringBuilder(lowerFirst(e.getMessage()));
    if (e instanceof UnmatchedArgumentException unmatched && !unmatched.isUnknownOption()
        && !command.getSubcommands().isEmpty() && !unmatched.getUnmatched().isEmpty()) {
      String name = unmatched.getUnmatched().get(0);
      List<String> names = List.copyOf(command.getSubcommands().keySet());
      message = new StringBuilder("unknown command '").append(name).append("' (commands: ")
          .append(String.join(", ", names)).append(')');
      String closest = PipelineRegistry.closest(name, names);
      if (closest != null) {
        message.append(" -- did you mean '").append(closest).append("'?");
      }
    } else if (e instanceof UnmatchedArgumentException unmatched) {
      List<String> suggestions = unmatched.getSuggestions();
      if (!suggestions.isEmpty()) {
        message.append(" -- did you mean '").append(String.join("' or '", suggestions)).append("'?");
      }
    }
    message.append(" (see: ").append(command.getCommandSpec().qualifiedName()).append(" --help)");
    term.error(message.toString());
    return USER_ERROR;
  }

  private static String lowerFirst(String text) {
    if (text == null || text.isEmpty()) {
      return "invalid arguments";
    }
    return text.substring(0, 1).toLowerCase(Locale.ROOT) + text.substring(1);
  }

  /** The top-level command: without a subcommand it prints its usage on standard error. */
  @Command(name = "pipewright", mixinStandardHelpOptions = true, versionProvider = Version.class,
      description = "Run repeatable ML pipelines and look at their runs.",
      commandListHeading = "%nCommands:%n",
      exitCodeListHeading = "%nExit codes:%n", exitCodeList = {
          "0:the command did its job; for run: the run succeeded",
          "1:the run failed or was cancelled; for jshell FILE: the script failed",
          "2:a usage or user error: option, parameter, pipeline name, workspace, run id",
          "3:an unexpected error: a bug in a pipeline's code or in Pipewright",
          "130:interrupted (Ctrl-C): the run was cancelled and recorded"},
      footer = {"%nLogs go to standard error (WARN and above; all of Pipewright's with --verbose)."})
  static final class PipewrightCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
      spec.commandLine().usage(spec.commandLine().getErr());
      return USER_ERROR;
    }
  }

  /** The version from the jar's manifest. */
  static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = Main.class.getPackage().getImplementationVersion();
      return new String[] {"pipewright " + (version == null ? "(development build)" : version)};
    }
  }
}
