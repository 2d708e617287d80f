package io.pipewright.cli;

import io.pipewright.UserException;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import jdk.jshell.tool.JavaShellToolBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code pipewright jshell [FILE]}: JShell with Pipewright's class path and packages imported. Without a file, the
 * interactive JShell tool; with one, runs the script and exits, non-zero at the first snippet that fails.
 */
@Command(name = "jshell", sortOptions = false,
    description = {"Start JShell with the pipelines' class path and Pipewright's packages imported.",
        "With FILE, run that script and exit: status 1, and one line naming the file and line, at the first snippet"
            + " that does not compile or throws."})
final class JShellCommand extends BaseCommand {
  @Parameters(arity = "0..1", paramLabel = "FILE", description = "A JShell script (.jsh) to run.")
  Path file;

  JShellCommand(Terminal term) {
    super(term);
  }

  @Override
  int execute() {
    if (json) {
      throw new UserException("jshell has no --json output: print what you need from the script");
    }
    return file == null ? interactive() : script(file);
  }

  private int script(Path path) {
    String source;
    try {
      source = Files.readString(path, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UserException("cannot read script " + path + ": " + e.getMessage());
    }
    Optional<JShellRunner.Failure> failure = JShellRunner.run(source, JShellRunner.classPath(), term.err());
    System.out.flush();
    failure.ifPresent(f -> term.error(path + ":" + f.line() + ": " + f.message()));
    return failure.isPresent() ? Main.RUN_FAILED : Main.OK;
  }

  private int interactive() {
    Path startup = null;
    try {
      startup = Files.createTempFile("pipewright-jshell", ".jsh");
      Files.write(startup, JShellRunner.imports(), StandardCharsets.UTF_8);
      List<String> args = new ArrayList<>(List.of("--execution", "local", "--startup", "DEFAULT", "--startup",
          startup.toString()));
      List<String> classPath = JShellRunner.classPath();
      if (!classPath.isEmpty()) {
        args.addAll(List.of("--class-path", String.join(File.pathSeparator, classPath)));
      }
      // Local execution, as for scripts (see JShellRunner). The tool reads the terminal itself; its /exit status is
      // the command's.
      return JavaShellToolBuilder.builder().out(term.out()).err(term.err()).start(args.toArray(String[]::new));
    } catch (Exception e) {
      throw new IllegalStateException("the JShell tool failed: " + e.getMessage(), e);
    } finally {
      if (startup != null) {
        try {
          Files.deleteIfExists(startup);
        } catch (IOException e) {
          term.error("could not delete " + startup + ": " + e.getMessage());
        }
      }
    }
  }
}
