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
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
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
 * <p><b>Placeholders.</b> Anywhere in an argument, {@code {input:NAME}} is the path of an input (the folder of a
 * Dataset or Model, the file or folder of an external input, or a JSON file holding a Metrics or value input);
 * {@code {output:NAME}} is where the script writes an output: for a Dataset or Model the folder to fill, for a Metrics
 * or JSON value output a file to write its JSON to (a Metrics file holds an object of numbers), which the step reads
 * once the script exited; {@code {param:NAME}} is the value of a parameter the step {@code uses(...)}, as text.
 * <code>{{</code> is a literal brace. A malformed or unknown placeholder ({@code {inptu:raw}}) is refused where the
 * Script is built; a placeholder naming an input or output the step lacks fails the step before the script starts.
 *
 * <p><b>Environment.</b> The script inherits this JVM's environment, plus the variables given with {@link #env},
 * plus Pipewright's: {@code PW_INPUT_<NAME>} for every input, {@code PW_PARAM_<NAME>} for every parameter the step
 * uses, {@code PW_OUTPUT_<NAME>} for every output the arguments name or {@link #outputs} lists (the name upper-cased,
 * other characters than letters and digits as {@code _}), and {@code PW_RUN_ID}, {@code PW_STEP},
 * {@code PW_ATTEMPT} and {@code PW_METRICS_FILE}: a file where the script may write a JSON object of numbers, each
 * then recorded as a metric of the step. Its working directory is the snapshot of the source folder (a scratch folder
 * when it has none); its standard input is empty.
 *
 * <p><b>Output and errors.</b> Standard output goes to the step log at INFO, standard error at WARN, line by line as
 * printed. A non-zero exit fails the attempt with one line, {@code step 'split': python3 split.py exited with status
 * 1: <its last line on stderr>}, retried as any failure is; the last lines of both streams are in the failure's
 * trace. A missing script, interpreter or executable fails the step before anything starts, and is not retried. An
 * output the script was given but did not write fails the step, naming the output and where to write it.
 *
 * <p><b>Stopping.</b> When the step times out or its run is cancelled, the script and every process it started are
 * sent SIGTERM, and SIGKILL a few seconds later.
 *
 * <p><b>Fingerprint.</b> The program, its arguments (as written, with their placeholders), the variables from
 * {@link #env} and {@link #outputs} are fields of this body, and so part of the step's fingerprint; the source
 * folder's content is its {@code code:source} component. The interpreter or program found on {@code PATH} is not:
 * upgrading Python does not run the step again (give the step a {@code version(...)} for that). Neither are the
 * folder's location and the inherited environment.
 *
 * <p>Immutable and thread-safe: {@link #sourceFolder(Path)}, {@link #env} and {@link #outputs} each return a new
 * Script. See docs/script-steps.md.
 */
public final class Script implements StepBody, SourceFolder {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");
  private static final Pattern VARIABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  // Every non-transient field is part of the step's fingerprint (code:state).
  private final String program;
  private final List<String> programArgs;
  private final String script;
  private final List<String> args;
  private final Map<String, String> env;
  private final List<String> outputs;
  /** Its content is the fingerprint's {@code code:source}; where it lies does not matter. */
  private final transient Path sourceFolder;

  private Script(String program, List<String> programArgs, String script, List<String> args, Map<String, String> env,
      List<String> outputs, Path sourceFolder) {
    this.program = program;
    this.programArgs = programArgs;
    this.script = script;
    this.args = args;
    this.env = env;
    this.outputs = outputs;
    this.sourceFolder = sourceFolder;
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
    return new Script(executable, List.of(), null, arguments(executable, args), Collections.emptyMap(), List.of(),
        null);
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
    return new Script(interpreter, flags, path.toString().replace(File.separatorChar, '/'),
        arguments(interpreter + " " + script, args), Collections.emptyMap(), List.of(), null);
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
    return new Script(program, programArgs, script, args, env, outputs, folder.toAbsolutePath().normalize());
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
    TreeMap<String, String> copy = new TreeMap<>(env);
    copy.put(name, value);
    return new Script(program, programArgs, script, args, Collections.unmodifiableMap(copy), outputs,
        sourceFolder);
  }

  /**
   * Outputs of the step that the script finds through their {@code PW_OUTPUT_<NAME>} variables rather than a
   * placeholder in its arguments. Outputs named by a placeholder need not be listed. A step output that neither
   * names cannot be known to the script step (a body does not see its step's declarations), and the step fails for
   * not writing it.
   */
  public Script outputs(String... names) {
    LinkedHashSet<String> all = new LinkedHashSet<>(outputs);
    for (String name : names) {
      if (name == null || !NAME.matcher(name).matches()) {
        throw new IllegalArgumentException("output name must be letters, digits, '_', '.' or '-', was "
            + (name == null ? "null" : "'" + name + "'"));
      }
      all.add(name);
    }
    return new Script(program, programArgs, script, args, env, List.copyOf(all), sourceFolder);
  }

  /** The source folder, absolute; null when none was given. */
  @Override
  public Path sourceFolder() {
    return sourceFolder;
  }

  @Override
  public void run(StepContext ctx) throws Exception {
    String step = ctx.stepName();
    if (script != null && sourceFolder == null) {
      throw StepException.nonRetryable("step '" + step + "': " + what() + " has no source folder -- give the Script"
          + " .sourceFolder(dir), the folder that holds " + script);
    }
    Path workDir = sourceFolder != null ? ctx.sourceSnapshot()
        : Files.createDirectories(ctx.tempDir().resolve("work"));
    if (script != null && !Files.isRegularFile(workDir.resolve(script))) {
      throw StepException.nonRetryable("step '" + step + "': script " + script + " not found in the source folder "
          + sourceFolder + " (" + contents(workDir) + ")");
    }
    Path executable = executable(step, workDir);
    ScriptBindings bindings = ScriptBindings.bind(ctx, args, outputs);
    List<String> command = new ArrayList<>();
    command.add(executable.toString());
    command.addAll(programArgs);
    if (script != null) {
      command.add(script);
    }
    for (String arg : args) {
      command.add(ScriptPlaceholders.substitute(arg, bindings::value));
    }
    TreeMap<String, String> environment = new TreeMap<>(env);
    environment.putAll(bindings.variables());
    ScriptProcess.Result result;
    try {
      result = ScriptProcess.run(step, what(), command, workDir, environment, ctx.log());
    } catch (IOException e) {
      throw StepException.nonRetryable("step '" + step + "': cannot start " + what() + ": "
          + ScriptBindings.abbreviate(e.getMessage()), e);
    }
    if (result.exitCode() != 0) {
      String last = result.lastLine();
      throw new StepException("step '" + step + "': " + what() + " exited with status " + result.exitCode()
          + (last == null ? " without printing anything" : ": " + ScriptBindings.abbreviate(last)), result.output());
    }
    bindings.collect(ctx, what());
  }

  /** The process in words, for messages: {@code python3 prep.py}, {@code ./train.sh}. */
  private String what() {
    return script == null ? program : program + " " + script;
  }

  /**
   * The program to start: for a command, the file in the source folder when there is one, else from {@code PATH}
   * (the one given with {@link #env}, if any); an interpreter always from {@code PATH}.
   */
  private Path executable(String step, Path workDir) {
    if (script == null && (program.indexOf('/') >= 0 || program.indexOf(File.separatorChar) >= 0)) {
      Path path = Path.of(program);
      Path file = path.isAbsolute() ? path : sourceFolder == null ? null : workDir.resolve(path).normalize();
      if (file == null || !Files.exists(file)) {
        throw StepException.nonRetryable("step '" + step + "': " + program + " not found" + (path.isAbsolute() ? ""
            : sourceFolder == null ? " -- a relative path needs the Script's .sourceFolder(dir)"
            : " in the source folder " + sourceFolder));
      }
      return checkedExecutable(step, file, path.isAbsolute() ? "" : " in the source folder");
    }
    if (script == null && sourceFolder != null && Files.isRegularFile(workDir.resolve(program))) {
      return checkedExecutable(step, workDir.resolve(program), " in the source folder");
    }
    String searchPath = env.containsKey("PATH") ? env.get("PATH") : System.getenv("PATH");
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
    throw StepException.nonRetryable("step '" + step + "': " + program + " not found on PATH ("
        + (searchPath == null ? "PATH is not set" : ScriptBindings.abbreviate(searchPath)) + ")"
        + (script == null ? "" : " -- install it, or run the script with Script.command and the interpreter's path"));
  }

  private Path checkedExecutable(String step, Path file, String where) {
    if (!Files.isRegularFile(file)) {
      throw StepException.nonRetryable("step '" + step + "': " + program + where + " is not a file");
    }
    if (!Files.isExecutable(file)) {
      throw StepException.nonRetryable("step '" + step + "': " + program + where + " is not executable -- chmod +x"
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

  @Override
  public String toString() {
    List<String> words = new ArrayList<>();
    words.add(program);
    words.addAll(programArgs);
    if (script != null) {
      words.add(script);
    }
    words.addAll(args);
    return "Script[" + String.join(" ", words) + (env.isEmpty() ? "" : ", env " + env.keySet())
        + (sourceFolder == null ? "" : ", source " + sourceFolder) + "]";
  }
}
