package io.pipewright.steps;

import io.pipewright.SourceFolder;
import io.pipewright.StepBody;
import io.pipewright.StepContext;
import io.pipewright.StepException;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A step whose work is a script or program run as a process: Pipewright's PythonScriptStep. The script lives in a
 * source folder; the step runs on a snapshot of that folder, and the folder's content is part of its fingerprint, so
 * editing any file in it runs the step again.
 *
 * <pre>{@code
 * Path src = Path.of("scripts");
 * pipeline.prep("split")
 *     .input("raw", Path.of("data/digits.csv"))
 *     .produces("train", Dataset.class).produces("test", Dataset.class)
 *     .uses("testFraction")
 *     .runs(Script.python("split.py",
 *             "--raw", "{input:raw}", "--train", "{output:train}", "--test", "{output:test}",
 *             "--fraction", "{param:testFraction}")
 *         .sourceFolder(src));
 * }</pre>
 *
 * <p>A Script is also what a {@link Parallel} step runs once per partition of its input:
 * {@code Parallel.over("images").into("scores").apply(Script.python("score.py", "{partition}", "{output:scores}"))};
 * see {@link Parallel.Builder#apply(Script)}.
 *
 * <p><b>Placeholders.</b> Anywhere in an argument, {@code {input:NAME}} is the path of an input (the folder of a
 * Dataset or Model, the file or folder of an external input, or a JSON file holding a Metrics or value input);
 * {@code {output:NAME}} is where the script writes an output: for a Dataset or Model the folder to fill, for a Metrics
 * or JSON value output a file to write its JSON to (a Metrics file holds an object of numbers), which the step reads
 * once the script exited; {@code {param:NAME}} is the value of a parameter the step {@code uses(...)}, as text.
 * Run per partition, {@code {partition}} is the partition's file, {@code {partition:name}} and
 * {@code {partition:index}} its name and index, and the gathered output's {@code {output:NAME}} is the partition's own
 * folder. <code>{{</code> is a literal brace. A malformed or unknown placeholder ({@code {inptu:raw}}) is refused
 * where the Script is built; a placeholder naming an input, output or parameter the step lacks, or a partition
 * placeholder in a step that is not run per partition, fails the step before the script starts, naming the step and
 * the placeholder.
 *
 * <p><b>Environment.</b> The script inherits this JVM's environment, plus the variables given with {@link #env},
 * plus Pipewright's: {@code PW_INPUT_<NAME>} for every input, {@code PW_OUTPUT_<NAME>} for every output and
 * {@code PW_PARAM_<NAME>} for every parameter the step uses (the name upper-cased, other characters than letters and
 * digits as {@code _}), {@code PW_RUN_ID}, {@code PW_STEP}, {@code PW_ATTEMPT} and {@code PW_METRICS_FILE}: a file
 * where the script may write a JSON object of numbers, each then recorded as a metric of the step. Its working
 * directory is the snapshot of the source folder (a scratch folder when it has none); its standard input is empty.
 *
 * <p><b>Output and errors.</b> Standard output goes to the step log at INFO, standard error at WARN, line by line as
 * printed. A non-zero exit fails the attempt with one line, {@code step 'split': python3 split.py exited with status
 * 1: <its last line on stderr>}, retried as any failure is; the last lines of both streams are in the failure's
 * trace. A missing script, interpreter or executable fails the step before anything starts, and is not retried. An
 * output the script did not write fails the step, naming the output and where to write it.
 *
 * <p><b>Stopping.</b> When the step times out or its run is cancelled, the script and every process it started are
 * sent SIGTERM, and SIGKILL a few seconds later.
 *
 * <p><b>Fingerprint.</b> The program, its arguments (as written, with their placeholders) and the variables from
 * {@link #env} are this body's state, and so part of the step's fingerprint; the source folder's content is its
 * {@code code:source} component. The interpreter or program found on {@code PATH} is not: upgrading Python does not
 * run the step again (give the step a {@code version(...)} for that). Neither are the folder's location and the
 * inherited environment.
 *
 * <p>Immutable and thread-safe: {@link #sourceFolder(Path)} and {@link #env} each return a new Script. See
 * docs/script-steps.md.
 */
public final class Script implements StepBody, SourceFolder, java.io.Serializable {
  private static final long serialVersionUID = 1L;
  private static final Pattern VARIABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  /**
   * What runs, as declared: the body's state, and so the step's fingerprint ({@code code:state}); a {@link Parallel}
   * step running the script per partition holds it too.
   *
   * @param program the interpreter ({@code python3}, {@code bash}) or the program as given
   * @param programArgs the interpreter's flags
   * @param script the script's path in the source folder, with {@code /}; null for a program
   * @param args the arguments as written, with their placeholders
   * @param env the variables given with {@link #env}, sorted
   */
  record Command(String program, List<String> programArgs, String script, List<String> args,
      Map<String, String> env) implements java.io.Serializable {}

  private final Command command;
  /**
   * Its content is the fingerprint's {@code code:source}; where it lies does not matter. Serialised as its path, for
   * the step runner in another JVM, which runs the script in the snapshot the engine sent along with the step.
   */
  private transient Path sourceFolder;

  private Script(Command command, Path sourceFolder) {
    this.command = command;
    this.sourceFolder = sourceFolder;
  }

  private void writeObject(java.io.ObjectOutputStream out) throws IOException {
    out.defaultWriteObject();
    out.writeObject(sourceFolder == null ? null : sourceFolder.toString());
  }

  private void readObject(java.io.ObjectInputStream in) throws IOException, ClassNotFoundException {
    in.defaultReadObject();
    Object folder = in.readObject();
    sourceFolder = folder == null ? null : Path.of((String) folder);
  }

  /**
   * Runs {@code python3 -u SCRIPT ARGS...}, {@code python3} as found on {@code PATH}, unbuffered so that its output
   * reaches the log as printed.
   *
   * @param script a path relative to the {@link #sourceFolder(Path) source folder}, which must be given
   * @throws IllegalArgumentException for a script path that is absolute or leaves the source folder, or a malformed
   *     placeholder
   */
  public static Script python(String script, String... args) {
    return interpreted("python3", List.of("-u"), script, args);
  }

  /**
   * Runs {@code bash SCRIPT ARGS...}, {@code bash} as found on {@code PATH}.
   *
   * @param script a path relative to the {@link #sourceFolder(Path) source folder}, which must be given
   */
  public static Script bash(String script, String... args) {
    return interpreted("bash", List.of(), script, args);
  }

  /**
   * Runs any executable: a path relative to the source folder when the folder holds it ({@code "./train.sh"},
   * {@code "bin/train"}, or a bare name), an absolute path, or otherwise a name looked up on {@code PATH}
   * ({@code "Rscript"}). The content of a program inside the source folder is part of the fingerprint; of any other,
   * only its name as given.
   */
  public static Script command(String executable, String... args) {
    Objects.requireNonNull(executable, "executable");
    if (executable.isBlank()) {
      throw new IllegalArgumentException("executable must not be blank");
    }
    return new Script(new Command(executable, List.of(), null, arguments(executable, args), Map.of()), null);
  }

  private static Script interpreted(String interpreter, List<String> flags, String script, String... args) {
    Objects.requireNonNull(script, "script");
    Path path;
    try {
      path = Path.of(script).normalize();
    } catch (InvalidPathException e) {
      throw new IllegalArgumentException("script must be a path relative to the source folder, was '" + script + "'",
          e);
    }
    if (script.isBlank() || path.isAbsolute() || path.startsWith("..") || path.toString().isEmpty()) {
      throw new IllegalArgumentException("script must be a path relative to the source folder, was '" + script
          + "'");
    }
    return new Script(new Command(interpreter, flags, path.toString().replace(File.separatorChar, '/'),
        arguments(interpreter + " " + script, args), Map.of()), null);
  }

  private static List<String> arguments(String what, String... args) {
    List<String> list = List.of(args); // refuses null arguments
    try {
      ScriptPlaceholders.placeholders(list);
    } catch (ScriptPlaceholders.MalformedException e) {
      throw new IllegalArgumentException(what + ": " + e.getMessage(), e);
    }
    return list;
  }

  /**
   * The folder holding the script and what it needs beside it; the process runs in a snapshot of it. Required for
   * {@link #python} and {@link #bash}. Keep it small and free of generated files ({@code __pycache__}, outputs of
   * local runs): every file in it is hashed, and any change runs the step again.
   */
  public Script sourceFolder(Path folder) {
    Objects.requireNonNull(folder, "source folder");
    return new Script(command, folder.toAbsolutePath().normalize());
  }

  /**
   * An environment variable for the script, part of the fingerprint; a later value for the same name replaces the
   * earlier. Names starting with {@code PW_} are Pipewright's. A {@code PATH} given here is also where the
   * interpreter or program is looked up.
   */
  public Script env(String name, String value) {
    Objects.requireNonNull(name, "variable name");
    Objects.requireNonNull(value, "value of variable '" + name + "'");
    if (!VARIABLE.matcher(name).matches()) {
      throw new IllegalArgumentException("variable name must be letters, digits and '_', not starting with a digit,"
          + " was '" + name + "'");
    }
    if (name.startsWith("PW_")) {
      throw new IllegalArgumentException("variable " + name + ": names starting with PW_ are set by Pipewright");
    }
    if (value.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("value of variable " + name + " must not contain NUL");
    }
    TreeMap<String, String> copy = new TreeMap<>(command.env());
    copy.put(name, value);
    return new Script(new Command(command.program(), command.programArgs(), command.script(), command.args(),
        Collections.unmodifiableMap(copy)), sourceFolder);
  }

  /** The source folder, absolute; null when none was given. */
  @Override
  public Path sourceFolder() {
    return sourceFolder;
  }

  /** What runs: the state a step's fingerprint holds. */
  Command command() {
    return command;
  }

  @Override
  public void run(StepContext ctx) throws Exception {
    String culprit = "step '" + ctx.stepName() + "': ";
    Path snapshot = snapshot(ctx, culprit);
    Path workDir = snapshot != null ? snapshot : Files.createDirectories(ctx.tempDir().resolve("work"));
    Path executable = executable(culprit, snapshot);
    ScriptBindings.check(ctx, command.args(), false);
    execute(ctx, workDir, executable, ScriptBindings.bind(ctx, command.args(), null), culprit, "");
  }

  /**
   * The script as the function of a {@link Parallel} step, for one attempt of it: checks on the step's thread, once,
   * what every partition would (the source folder, the program, the placeholders' names), then runs the script once
   * per partition, each in a copy of the source folder's snapshot of its own, its output lines prefixed with the
   * partition's name.
   *
   * @param ctx the step's context
   * @param input the partitioned input
   * @param into the gathered output
   */
  PartitionFunction perPartition(StepContext ctx, String input, String into) throws IOException {
    String culprit = "step '" + ctx.stepName() + "': ";
    Path snapshot = snapshot(ctx, culprit);
    executable(culprit, snapshot);
    ScriptBindings.check(ctx, command.args(), true);
    return (partition, out, partitionCtx) -> {
      Path scratch = partitionCtx.tempDir();
      Path workDir = snapshot != null ? copy(snapshot, scratch.resolve("source"))
          : Files.createDirectories(scratch.resolve("work"));
      ScriptBindings bindings = ScriptBindings.bind(partitionCtx, command.args(),
          new ScriptBindings.PerPartition(partition, out, input, into));
      Path executable = executable("", snapshot != null ? workDir : null);
      execute(partitionCtx, workDir, executable, bindings, "", "[" + partition.name() + "] ");
    };
  }

  /** The snapshot of the source folder, checked to hold the script; null for a command without a source folder. */
  private Path snapshot(StepContext ctx, String culprit) throws IOException {
    if (command.script() != null && sourceFolder == null) {
      throw StepException.nonRetryable(culprit + what() + " has no source folder -- give the Script"
          + " .sourceFolder(dir), the folder that holds " + command.script());
    }
    if (sourceFolder == null) {
      return null;
    }
    boolean fingerprinted = ctx.step().bodyInstance().filter(SourceFolder.class::isInstance)
        .map(body -> sourceFolder.equals(((SourceFolder) body).sourceFolder())).orElse(false);
    if (!fingerprinted) {
      throw StepException.nonRetryable(culprit + "the source folder of " + what() + " is not the step's: run the"
          + " Script, or the Parallel that applies it, as the step's body, .runs(...), so that the folder's content is"
          + " part of the fingerprint");
    }
    Path snapshot = ctx.sourceSnapshot();
    if (command.script() != null && !Files.isRegularFile(snapshot.resolve(command.script()))) {
      throw StepException.nonRetryable(culprit + "script " + command.script() + " not found in the source folder "
          + sourceFolder + " (" + contents(snapshot) + ")");
    }
    return snapshot;
  }

  /**
   * Runs the process to its end and takes over what it wrote.
   *
   * @param culprit how failures start: {@code step 'prep': }, or nothing for a partition
   * @param logPrefix put before each line the process prints
   */
  private void execute(StepContext ctx, Path workDir, Path executable, ScriptBindings bindings, String culprit,
      String logPrefix) throws Exception {
    List<String> line = new ArrayList<>();
    line.add(executable.toString());
    line.addAll(command.programArgs());
    if (command.script() != null) {
      line.add(command.script());
    }
    for (String arg : command.args()) {
      line.add(ScriptPlaceholders.substitute(arg, bindings::value));
    }
    TreeMap<String, String> environment = new TreeMap<>(command.env());
    environment.putAll(bindings.variables());
    ScriptProcess.Result result;
    try {
      result = ScriptProcess.run(ctx.stepName(), what(), line, workDir, environment, ctx.log(), logPrefix);
    } catch (IOException e) {
      throw StepException.nonRetryable(culprit + "cannot start " + what() + ": "
          + ScriptBindings.abbreviate(e.getMessage()), e);
    }
    if (result.exitCode() != 0) {
      String last = result.lastLine();
      throw new StepException(culprit + what() + " exited with status " + result.exitCode()
          + (last == null ? " without printing anything" : ": " + ScriptBindings.abbreviate(last)), result.output());
    }
    bindings.collect(ctx, what());
  }

  /** The process in words, for messages: {@code python3 prep.py}, {@code ./train.sh}. */
  String what() {
    return command.script() == null ? command.program() : command.program() + " " + command.script();
  }

  /**
   * The program to start: for a command, the file in the source folder when there is one, else from {@code PATH}
   * (the one given with {@link #env}, if any); an interpreter always from {@code PATH}.
   *
   * @param workDir the snapshot of the source folder, or null when there is none
   */
  private Path executable(String culprit, Path workDir) {
    String program = command.program();
    boolean isCommand = command.script() == null;
    if (isCommand && (program.indexOf('/') >= 0 || program.indexOf(File.separatorChar) >= 0)) {
      Path path = Path.of(program);
      Path file = path.isAbsolute() ? path : workDir == null ? null : workDir.resolve(path).normalize();
      if (file == null || !Files.exists(file)) {
        throw StepException.nonRetryable(culprit + program + " not found" + (path.isAbsolute() ? ""
            : workDir == null ? " -- a relative path needs the Script's .sourceFolder(dir)"
            : " in the source folder " + sourceFolder));
      }
      return checkedExecutable(culprit, file, path.isAbsolute() ? "" : " in the source folder");
    }
    if (isCommand && workDir != null && Files.isRegularFile(workDir.resolve(program))) {
      return checkedExecutable(culprit, workDir.resolve(program), " in the source folder");
    }
    String searchPath = command.env().containsKey("PATH") ? command.env().get("PATH") : System.getenv("PATH");
    if (searchPath != null) {
      for (String dir : searchPath.split(Pattern.quote(File.pathSeparator))) {
        try {
          Path candidate = dir.isEmpty() ? null : Path.of(dir, program);
          if (candidate != null && Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
            return candidate;
          }
        } catch (InvalidPathException e) {
          // not a folder that can hold it
        }
      }
    }
    throw StepException.nonRetryable(culprit + program + " not found on PATH ("
        + (searchPath == null ? "PATH is not set" : ScriptBindings.abbreviate(searchPath)) + ")"
        + (isCommand ? "" : " -- install it, or run the script with Script.command and the interpreter's path"));
  }

  private Path checkedExecutable(String culprit, Path file, String where) {
    if (!Files.isRegularFile(file)) {
      throw StepException.nonRetryable(culprit + command.program() + where + " is not a file");
    }
    if (!Files.isExecutable(file)) {
      throw StepException.nonRetryable(culprit + command.program() + where + " is not executable -- chmod +x"
          + " it, or run it with Script.bash or Script.python");
    }
    return file;
  }

  private static String contents(Path dir) throws IOException {
    List<String> names;
    try (Stream<Path> files = Files.list(dir)) {
      names = files.map(f -> f.getFileName().toString()).sorted().limit(6).toList();
    }
    if (names.isEmpty()) {
      return "it is empty";
    }
    return "it holds " + String.join(", ", names.subList(0, Math.min(5, names.size())))
        + (names.size() > 5 ? ", ..." : "");
  }

  /** Copies a folder's files, with their attributes (an executable stays executable), into {@code to}. */
  private static Path copy(Path from, Path to) throws IOException {
    List<Path> files;
    try (Stream<Path> walk = Files.walk(from)) {
      files = walk.filter(Files::isRegularFile).toList();
    }
    Files.createDirectories(to);
    for (Path file : files) {
      Path target = to.resolve(from.relativize(file).toString());
      Files.createDirectories(target.getParent());
      Files.copy(file, target, StandardCopyOption.COPY_ATTRIBUTES);
    }
    return to;
  }

  @Override
  public String toString() {
    List<String> words = new ArrayList<>();
    words.add(command.program());
    words.addAll(command.programArgs());
    if (command.script() != null) {
      words.add(command.script());
    }
    words.addAll(command.args());
    return "Script[" + String.join(" ", words) + (command.env().isEmpty() ? "" : ", env " + command.env().keySet())
        + (sourceFolder == null ? "" : ", source " + sourceFolder) + "]";
  }
}
