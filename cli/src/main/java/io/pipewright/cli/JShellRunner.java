package io.pipewright.cli;

import java.io.File;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import jdk.jshell.DeclarationSnippet;
import jdk.jshell.Diag;
import jdk.jshell.EvalException;
import jdk.jshell.JShell;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import jdk.jshell.SourceCodeAnalysis.Completeness;
import jdk.jshell.UnresolvedReferenceException;

/**
 * Runs a JShell script through the {@code jdk.jshell} API, snippet by snippet, and stops at the first that fails: a
 * snippet the compiler rejects, a declaration that cannot be defined, or one that throws. The failure is one line
 * naming the file and the line in it. Used by {@code pipewright jshell FILE}; the interactive {@code pipewright
 * jshell} starts the JShell tool with the same class path and {@link #IMPORTS imports}.
 *
 * <p>Snippets run in this JVM ({@code local} execution), not in a second JVM driven through JDI, JShell's default:
 * the script starts in a fraction of the time, its classes are this JVM's (the pipelines on the class path are the
 * ones it loads, through its class loader as parent), what it prints goes straight to this process's standard output,
 * and workspaces it leaves open are closed by their shutdown hooks when the command exits. The price: a snippet that
 * calls {@code System.exit} ends the command.
 *
 * <p>Not thread-safe; one script at a time.
 */
final class JShellRunner {
  /**
   * What a notebook needs without typing it: Pipewright's API, its ready-made steps and the examples when they are on
   * the class path, and what the JShell tool imports by default, plus {@code java.time}.
   */
  static final List<String> IMPORTS = List.of("io.pipewright", "io.pipewright.steps", "io.pipewright.examples",
      "java.io", "java.math", "java.net", "java.nio.file", "java.time", "java.util", "java.util.concurrent",
      "java.util.function", "java.util.regex", "java.util.stream");

  private static final Pattern EXIT = Pattern.compile("/exit(?:\\s+(\\S.*))?");

  /** Why a script stopped: the line of the file, and what went wrong there. */
  record Failure(int line, String message) {}

  private JShellRunner() {}

  /** The import statements of the {@link #IMPORTS} packages that are on this JVM's class path. */
  static List<String> imports() {
    ClassLoader loader = JShellRunner.class.getClassLoader();
    List<String> imports = new ArrayList<>();
    for (String pkg : IMPORTS) {
      if (pkg.startsWith("java.") || loader.getResource(pkg.replace('.', '/')) != null) {
        imports.add("import " + pkg + ".*;");
      }
    }
    return imports;
  }

  /** This JVM's class path, entry by entry: what snippets compile against. */
  static List<String> classPath() {
    return List.of(System.getProperty("java.class.path", "").split(File.pathSeparator)).stream()
        .filter(entry -> !entry.isBlank()).toList();
  }

  /**
   * Runs {@code source} snippet by snippet, its output going to this JVM's standard output.
   *
   * @param classPath entries snippets compile against (they load through this JVM's class loader)
   * @param err where JShell's own messages go
   * @return the first failure, or empty when every snippet ran
   */
  static Optional<Failure> run(String source, List<String> classPath, PrintStream err) {
    try (JShell shell = JShell.builder().executionEngine("local").out(System.out).err(err).build()) {
      classPath.forEach(shell::addToClasspath);
      for (String imp : imports()) {
        shell.eval(imp);
      }
      return new Script(shell, source).run();
    }
  }

  /** One script's pass through its snippets. */
  private static final class Script {
    private final JShell shell;
    private final String source;
    private final SourceCodeAnalysis analysis;
    /** The file line each snippet started on, by snippet id: stack frames name snippets ("#12"). */
    private final Map<String, Integer> lines = new HashMap<>();

    Script(JShell shell, String source) {
      this.shell = shell;
      this.source = source;
      this.analysis = shell.sourceCodeAnalysis();
    }

    Optional<Failure> run() {
      int offset = 0;
      while (true) {
        int start = skipBlankAndComments(offset);
        if (start >= source.length()) {
          return Optional.empty();
        }
        if (source.startsWith("/", start)) {
          int end = source.indexOf('\n', start);
          String command = source.substring(start, end < 0 ? source.length() : end).strip();
          Matcher exit = EXIT.matcher(command);
          if (exit.matches()) {
            // /exit ends the script; with a status other than 0 it ends it as failed, as the JShell tool would.
            return exit.group(1) == null || exit.group(1).strip().equals("0") ? Optional.empty()
                : fail(start, "the script ended with " + command);
          }
          return fail(start, "jshell command " + command.split("\\s")[0] + " is not supported in a script (only"
              + " /exit is): write Java");
        }
        String rest = source.substring(start);
        SourceCodeAnalysis.CompletionInfo info = analysis.analyzeCompletion(rest);
        int consumed = rest.length() - info.remaining().length();
        if (consumed <= 0) {
          consumed = rest.length(); // no progress: hand the compiler the rest, it says what is wrong
        }
        if (info.completeness() == Completeness.DEFINITELY_INCOMPLETE) {
          return fail(start, "incomplete snippet at the end of the file: a missing ';', ')' or '}'?");
        }
        String snippet = info.completeness() == Completeness.EMPTY ? rest.substring(0, consumed) : info.source();
        Optional<Failure> failure = evaluate(snippet, start);
        if (failure.isPresent()) {
          return failure;
        }
        offset = start + consumed;
      }
    }

    private Optional<Failure> evaluate(String snippet, int start) {
      for (SnippetEvent event : shell.eval(snippet)) {
        Snippet s = event.snippet();
        if (event.causeSnippet() == null && s != null) {
          lines.putIfAbsent(s.id(), lineOf(start));
        }
        if (event.causeSnippet() != null) {
          continue; // a consequence for another snippet (an earlier one redefined), not this one's outcome
        }
        if (event.status() == Snippet.Status.REJECTED) {
          return Optional.of(rejected(s, start));
        }
        if (event.status() == Snippet.Status.RECOVERABLE_NOT_DEFINED && s instanceof DeclarationSnippet d) {
          return fail(start, "cannot define " + d.name() + ": it uses " + shell.unresolvedDependencies(d)
              .collect(Collectors.joining(", ")) + ", not defined");
        }
        if (event.exception() != null) {
          return fail(start, describe(event.exception()));
        }
      }
      return Optional.empty();
    }

    private Failure rejected(Snippet snippet, int start) {
      List<Diag> errors = shell.diagnostics(snippet).filter(Diag::isError).toList();
      if (errors.isEmpty()) {
        return new Failure(lineOf(start), "the snippet was rejected: " + oneLine(snippet.source()));
      }
      Diag first = errors.get(0);
      long position = first.getStartPosition() >= 0 ? first.getStartPosition() : first.getPosition();
      int line = position >= 0 && start + position <= source.length() ? lineOf(start + (int) position)
          : lineOf(start);
      return new Failure(line, oneLine(first.getMessage(Locale.ROOT)));
    }

    private String describe(Exception e) {
      String what;
      if (e instanceof UnresolvedReferenceException unresolved) {
        what = unresolved.getSnippet().name() + " uses " + shell.unresolvedDependencies(unresolved.getSnippet())
            .collect(Collectors.joining(", ")) + ", which is not defined";
      } else {
        String type = e instanceof EvalException eval ? eval.getExceptionClassName() : e.getClass().getName();
        what = type + (e.getMessage() == null ? "" : ": " + oneLine(e.getMessage()));
        if (e.getCause() instanceof EvalException cause) {
          what += " (caused by " + cause.getExceptionClassName()
              + (cause.getMessage() == null ? "" : ": " + oneLine(cause.getMessage())) + ")";
        }
      }
      // The innermost frame in the script, when it is in another snippet (a method it declared earlier).
      for (StackTraceElement frame : e.getStackTrace()) {
        Integer declared = frame.getFileName() == null ? null : lines.get(frame.getFileName().replace("#", ""));
        if (declared != null) {
          return what + (frame.getMethodName().isEmpty() ? ""
              : " (in " + frame.getMethodName() + ", declared at line " + declared + ")");
        }
      }
      return what;
    }

    private Optional<Failure> fail(int offset, String message) {
      return Optional.of(new Failure(lineOf(offset), message));
    }

    /** The first offset from {@code from} that is neither white space nor a comment. */
    private int skipBlankAndComments(int from) {
      int i = from;
      while (i < source.length()) {
        if (Character.isWhitespace(source.charAt(i))) {
          i++;
        } else if (source.startsWith("//", i)) {
          int end = source.indexOf('\n', i);
          i = end < 0 ? source.length() : end + 1;
        } else if (source.startsWith("/*", i)) {
          int end = source.indexOf("*/", i + 2);
          i = end < 0 ? source.length() : end + 2;
        } else {
          break;
        }
      }
      return i;
    }

    private int lineOf(int offset) {
      int line = 1;
      for (int i = 0; i < offset && i < source.length(); i++) {
        if (source.charAt(i) == '\n') {
          line++;
        }
      }
      return line;
    }
  }

  /**
   * A compiler message or exception message in one line. Drops the {@code location:} lines of compiler messages:
   * they name the classes JShell wraps snippets in, which mean nothing to the script's author.
   */
  private static String oneLine(String text) {
    return text.lines().map(l -> l.strip().replaceAll("\\s+", " "))
        .filter(l -> !l.isEmpty() && !l.startsWith("location:"))
        .collect(Collectors.joining("; "));
  }
}
