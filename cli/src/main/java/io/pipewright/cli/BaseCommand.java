package io.pipewright.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Option;

/** Options every subcommand has (--json, --verbose), and the terminal it writes to. */
abstract class BaseCommand implements Callable<Integer> {
  final Terminal term;

  @Option(names = "--json", order = 20,
      description = "Print one JSON object on standard output, and nothing else there.")
  boolean json;

  @Option(names = {"-v", "--verbose"}, order = 21,
      description = "Log what Pipewright and the steps do (on standard error); show stack traces of errors.")
  boolean verbose;

  @Option(names = {"-h", "--help"}, order = 22, usageHelp = true, description = "Show this help and exit.")
  boolean help;

  BaseCommand(Terminal term) {
    this.term = term;
  }

  @Override
  public final Integer call() {
    Logging.Restore restore = Logging.verbose(verbose);
    try {
      return execute();
    } finally {
      restore.restore();
    }
  }

  /** Does the command's work; returns the exit code. */
  abstract int execute();
}
