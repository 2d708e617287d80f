package io.pipewright.steps;

import io.pipewright.SourceFolder;
import io.pipewright.StepBody;
import io.pipewright.StepContext;
import io.pipewright.StepException;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A step body that fans a {@link PartitionFunction} out over the partitions of one input Dataset, runs them on a pool
 * of threads, and gathers their results into one output Dataset: Pipewright's ParallelRunStep.
 *
 * <pre>{@code
 * Step score = p.step("score")
 *     .input("images", prep.dataset())
 *     .produces("scores", Dataset.class)
 *     .runs(Parallel.over("images")            // one partition per file of the input
 *         .into("scores")                      // one folder per partition: scores/part-00000-NAME/...
 *         .maxConcurrency(8).partitionRetries(2).errorThreshold(5)
 *         .apply(new ScoreImage()));           // or ScoreImage.class, or a lambda
 *
 * Step rows = p.step("rows")
 *     .input("table", Path.of("table.csv"))
 *     .produces("scored", Dataset.class)
 *     .runs(Parallel.over("table").chunksOf(10_000).header(true)
 *         .into("scored").appendRows("scored.csv", true)   // one file, the partitions' rows in order
 *         .apply((partition, out, ctx) -> ...));
 *
 * Step scored = p.step("scored")                // a script per partition
 *     .input("images", prep.dataset())
 *     .produces("scores", Dataset.class)
 *     .runs(Parallel.over("images").into("scores")
 *         .apply(Script.python("score.py", "--image", "{partition}", "--out", "{output:scores}")
 *             .sourceFolder(Path.of("scripts"))));
 * }</pre>
 *
 * <p><b>Partitioning.</b> By default each file of the input Dataset is a partition, in manifest order (sorted paths).
 * With {@link Builder#chunksOf chunksOf(n)} each text file (plain or gzip) is cut into chunks of {@code n} lines
 * (rows); with {@link Builder#header header(true)} each file's first line is a header, repeated at the top of each of
 * its chunks. A chunk never spans two files.
 *
 * <p><b>Gathering.</b> Into the Dataset output named by {@link Builder#into into}, in partition order whatever order
 * the partitions finished in, so the output is byte-identical between runs at any concurrency. By default each
 * partition's folder becomes {@code part-NNNNN-NAME/} (its index, 5 digits or more, and its name with characters
 * other than letters, digits, {@code .}, {@code _} and {@code -} replaced by {@code _}). With
 * {@link Builder#appendRows appendRows(file)} the files every partition wrote are concatenated, in partition order and
 * by path within a partition, into one file, a line break added after any file that does not end with one, as Azure
 * ML's {@code append_row}.
 *
 * <p><b>Reuse of partitions.</b> Each partition's result is stored on its own ({@link StepContext#units()}) under a key
 * over the step's fingerprint without the partitioned input (so its code, this declaration, its parameters, its other
 * inputs and its target all count), the partitioning, and the partition's name and content hash. When one file of
 * the input changes, the step runs again, but only that file's partition is computed: the others are taken from the
 * store. A partition that failed is not stored. No partition is taken from the store when the step may not be reused
 * (a run with reuse off, {@code allowReuse(false)}): then every partition is computed again. A function may keep its
 * partition's result from reuse through its context's {@link StepContext#keepFromReuse}: the result is gathered but
 * not stored, and the step keeps its output from reuse. Partitions are not reused when the step's body has no canonical
 * state (a function given as an instance of an ordinary class, or a lambda capturing such a value) unless the step
 * declares a {@code version(...)}; give the function as a lambda, a record or a class instead.
 *
 * <p><b>Failures.</b> A partition that throws is retried {@link Builder#partitionRetries partitionRetries} times
 * (default 0). When more than {@link Builder#errorThreshold errorThreshold} partitions (default 0) failed for good,
 * the step stops (running partitions are interrupted) and fails with one line naming the count and the first failed
 * partitions with their errors. Otherwise it succeeds without the failed partitions' results, logging each, and keeps
 * its output from reuse ({@link StepContext#keepFromReuse}): the next run runs the step again, computing only the
 * failed partitions and reusing the stored ones. When every partition failed, it fails whatever the threshold. It
 * reports the metrics {@code partitions.total}, {@code partitions.failed} and {@code partitions.reused}.
 *
 * <p><b>A script per partition.</b> {@link Builder#apply(Script)} runs a {@link Script} once per partition, with
 * {@code {partition}} its file and {@code {output:INTO}} its own folder; its source folder's content is part of the
 * step's fingerprint ({@code code:source}, this body being a {@link SourceFolder}) and so of every partition's key.
 *
 * <p><b>Fingerprint.</b> Everything declared here is part of the step's fingerprint, but for
 * {@code maxConcurrency}, {@code partitionRetries} and {@code errorThreshold}: they say how the step runs, not what a
 * partition computes, so changing them neither re-runs the step nor recomputes partitions.
 *
 * <p>Immutable and thread-safe. {@link #run} may also be called from a body of your own; the partitions are then
 * reused only when that body has canonical state (a record, say) or the step declares a {@code version(...)}, since
 * the fingerprint then says nothing of this declaration's state, and a script per partition with a source folder
 * fails, since only the step's body is fingerprinted as a {@link SourceFolder}.
 */
public final class Parallel implements StepBody, SourceFolder {
  /** The tag of the partition key encoding: raise it to invalidate every stored partition, only ever on purpose. */
  static final String KEY_TAG = "pipewright-partition/1";

  // The fields are the body's state: all but the transient ones are part of the step's fingerprint (code:state).
  private final String input;
  private final int rowsPerChunk; // 0: one partition per file
  private final boolean header;
  private final String into;
  private final String appendFile; // null: one folder per partition
  private final boolean appendHeader;
  private final PartitionFunction function; // a lambda or an instance; null when given as a class or a script
  private final Class<?> functionClass; // its code is fingerprinted; null for a lambda, whose own field stands for it
  private final Script.Command script; // the script run per partition, or null; its folder is code:source
  private final transient Script scriptBody;
  private final transient int maxConcurrency; // 0: the available processors
  private final transient int partitionRetries;
  private final transient int errorThreshold;

  private Parallel(Builder b, PartitionFunction function, Class<?> functionClass, Script script) {
    this.input = b.input;
    this.rowsPerChunk = b.rowsPerChunk;
    this.header = b.header;
    this.into = b.into;
    this.appendFile = b.appendFile;
    this.appendHeader = b.appendHeader;
    this.function = function;
    this.functionClass = functionClass;
    this.script = script == null ? null : script.command();
    this.scriptBody = script;
    this.maxConcurrency = b.maxConcurrency;
    this.partitionRetries = b.partitionRetries;
    this.errorThreshold = b.errorThreshold;
  }

  /** Starts declaring a parallel step over the Dataset input named {@code input}. */
  public static Builder over(String input) {
    return new Builder(checkName("input", input), 0, false, null, null, false, 0, 0, 0);
  }

  /** A builder holding this declaration, to derive another from it. */
  public Builder toBuilder() {
    return new Builder(input, rowsPerChunk, header, into, appendFile, appendHeader, maxConcurrency, partitionRetries,
        errorThreshold);
  }

  /** The Dataset input it partitions. */
  public String input() {
    return input;
  }

  /** The Dataset output it gathers into. */
  public String into() {
    return into;
  }

  /**
   * The source folder of the script run per partition, absolute; null when the partitions run a Java function or a
   * script without one.
   */
  @Override
  public Path sourceFolder() {
    return scriptBody == null ? null : scriptBody.sourceFolder();
  }

  @Override
  public void run(StepContext ctx) throws Exception {
    new ParallelExecution(this, ctx).run();
  }

  /** The function for one attempt, once the step's input and output have been checked. */
  PartitionFunction function(StepContext ctx) throws IOException {
    if (scriptBody != null) {
      return scriptBody.perPartition(ctx, input, into);
    }
    if (function != null) {
      return function;
    }
    try {
      Constructor<?> constructor = functionClass.getDeclaredConstructor();
      constructor.setAccessible(true);
      return (PartitionFunction) constructor.newInstance();
    } catch (InvocationTargetException e) {
      throw new StepException("could not create partition function " + functionClass.getName() + ": "
          + e.getCause(), e.getCause());
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw StepException.nonRetryable("could not create partition function " + functionClass.getName() + ": " + e,
          e);
    }
  }

  // ---- what the execution reads

  int rowsPerChunk() {
    return rowsPerChunk;
  }

  boolean header() {
    return header;
  }

  /** The file the partitions' rows are appended to, or null when each partition gets a folder. */
  String appendFile() {
    return appendFile;
  }

  boolean appendHeader() {
    return appendHeader;
  }

  int maxConcurrency() {
    return maxConcurrency > 0 ? maxConcurrency : Runtime.getRuntime().availableProcessors();
  }

  int partitionRetries() {
    return partitionRetries;
  }

  int errorThreshold() {
    return errorThreshold;
  }

  /** The partitioning, as it goes into each partition's reuse key. */
  String partitioning() {
    return rowsPerChunk == 0 ? "files" : "chunks rows=" + rowsPerChunk + " header=" + header;
  }

  @Override
  public String toString() {
    return "Parallel over '" + input + "' " + (rowsPerChunk == 0 ? "by file" : "in chunks of " + rowsPerChunk + " rows"
        + (header ? " with a header" : "")) + " into '" + into + "'" + (appendFile == null ? " (a folder per partition)"
        : " (rows appended to " + appendFile + ")") + (scriptBody == null ? "" : ", running " + scriptBody.what()
        + " per partition");
  }

  private static String checkName(String what, String value) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(what + " name must not be empty, was "
          + (value == null ? "null" : "'" + value + "'"));
    }
    return value;
  }

  static boolean isLambda(Class<?> type) {
    return type.isHidden() || type.isSynthetic() && type.getName().contains("$$Lambda");
  }

  /**
   * Declares a {@link Parallel} step body; {@link #apply} ends the declaration. Immutable: every method returns a new
   * builder, so one can be shared as a template. Arguments are checked where they are given.
   */
  public static final class Builder {
    private final String input;
    private final int rowsPerChunk;
    private final boolean header;
    private final String into;
    private final String appendFile;
    private final boolean appendHeader;
    private final int maxConcurrency;
    private final int partitionRetries;
    private final int errorThreshold;

    private Builder(String input, int rowsPerChunk, boolean header, String into, String appendFile,
        boolean appendHeader, int maxConcurrency, int partitionRetries, int errorThreshold) {
      this.input = input;
      this.rowsPerChunk = rowsPerChunk;
      this.header = header;
      this.into = into;
      this.appendFile = appendFile;
      this.appendHeader = appendHeader;
      this.maxConcurrency = maxConcurrency;
      this.partitionRetries = partitionRetries;
      this.errorThreshold = errorThreshold;
    }

    /**
     * Cuts each file of the input, read as text lines (plain or gzip, recognised by its content), into chunks of
     * {@code rows} lines, each a partition. Without it, each file is a partition.
     */
    public Builder chunksOf(int rows) {
      if (rows < 1) {
        throw new IllegalArgumentException("rows per chunk must be >= 1, was " + rows);
      }
      return new Builder(input, rows, header, into, appendFile, appendHeader, maxConcurrency, partitionRetries,
          errorThreshold);
    }

    /** Whether each file's first line is a header, repeated at the top of each of its chunks. Default false. */
    public Builder header(boolean value) {
      return new Builder(input, rowsPerChunk, value, into, appendFile, appendHeader, maxConcurrency,
          partitionRetries, errorThreshold);
    }

    /** The Dataset (or Model) output the partitions' results are gathered into. Required. */
    public Builder into(String output) {
      return new Builder(input, rowsPerChunk, header, checkName("output", output), appendFile, appendHeader,
          maxConcurrency, partitionRetries, errorThreshold);
    }

    /** Gathers each partition's results into a folder {@code part-NNNNN-NAME/} of the output: the default. */
    public Builder folderPerPartition() {
      return new Builder(input, rowsPerChunk, header, into, null, false, maxConcurrency, partitionRetries,
          errorThreshold);
    }

    /** Shorthand for {@code appendRows(fileName, false)}. */
    public Builder appendRows(String fileName) {
      return appendRows(fileName, false);
    }

    /**
     * Gathers by concatenating every file the partitions wrote, in partition order, into one file of the output.
     *
     * @param fileName the name of that file, without folders
     * @param header whether each partition's files start with a header line: the first is kept, the others dropped,
     *     and a partition whose header differs fails the step
     */
    public Builder appendRows(String fileName, boolean header) {
      checkName("append file", fileName);
      if (fileName.contains("/") || fileName.contains("\\") || fileName.equals(".") || fileName.equals("..")) {
        throw new IllegalArgumentException("append file must be a file name without folders, was '" + fileName
            + "'");
      }
      return new Builder(input, rowsPerChunk, this.header, into, fileName, header, maxConcurrency, partitionRetries,
          errorThreshold);
    }

    /** How many partitions run at once, on threads of their own. Default: the available processors. */
    public Builder maxConcurrency(int partitions) {
      if (partitions < 1) {
        throw new IllegalArgumentException("maxConcurrency must be >= 1, was " + partitions);
      }
      return new Builder(input, rowsPerChunk, header, into, appendFile, appendHeader, partitions, partitionRetries,
          errorThreshold);
    }

    /** How many times a failed partition is tried again before it counts as failed. Default 0. */
    public Builder partitionRetries(int retries) {
      if (retries < 0) {
        throw new IllegalArgumentException("partitionRetries must be >= 0, was " + retries);
      }
      return new Builder(input, rowsPerChunk, header, into, appendFile, appendHeader, maxConcurrency, retries,
          errorThreshold);
    }

    /**
     * How many partitions may fail, after their retries, with the step still succeeding without their results.
     * Default 0: any failed partition fails the step.
     */
    public Builder errorThreshold(int failures) {
      if (failures < 0) {
        throw new IllegalArgumentException("errorThreshold must be >= 0, was " + failures);
      }
      return new Builder(input, rowsPerChunk, header, into, appendFile, appendHeader, maxConcurrency,
          partitionRetries, failures);
    }

    /**
     * Ends the declaration with a function instance: a lambda or a record, whose captured values or fields are part
     * of the step's fingerprint. An instance of another class has no canonical state: the step and its partitions
     * are then reused only when the step declares a {@code version(...)}.
     *
     * @throws IllegalStateException when no output was named with {@link #into}, or a header was declared without
     *     chunks
     */
    public Parallel apply(PartitionFunction function) {
      Objects.requireNonNull(function, "partition function");
      check();
      return new Parallel(this, function, isLambda(function.getClass()) ? null : function.getClass(), null);
    }

    /**
     * Ends the declaration with a function class, instantiated through its no-argument constructor once per step
     * attempt; its code is part of the step's fingerprint.
     *
     * @throws IllegalArgumentException when the class has no no-argument constructor
     * @throws IllegalStateException when no output was named with {@link #into}, or a header was declared without
     *     chunks
     */
    public Parallel apply(Class<? extends PartitionFunction> type) {
      Objects.requireNonNull(type, "partition function class");
      try {
        type.getDeclaredConstructor();
      } catch (NoSuchMethodException e) {
        throw new IllegalArgumentException("partition function class " + type.getName()
            + " has no no-argument constructor");
      }
      check();
      return new Parallel(this, null, type, null);
    }

    /**
     * Ends the declaration with a script run once per partition, as a process of its own, in a copy of its source
     * folder's snapshot. Besides a {@link Script}'s usual placeholders and variables it gets:
     *
     * <ul>
     *   <li>{@code {partition}}, {@code $PW_PARTITION}: the partition's file (the input's file, or a chunk's
     *       temporary file), to read;
     *   <li>{@code {partition:name}}, {@code $PW_PARTITION_NAME}: its name, {@code images/cat.png} or
     *       {@code data.csv#0-999};
     *   <li>{@code {partition:index}}, {@code $PW_PARTITION_INDEX}: its index, for progress only (see
     *       {@link Partition#index()});
     *   <li>{@code {output:INTO}}, {@code $PW_OUTPUT_<INTO>}: the partition's own empty folder, gathered into the
     *       step's output like a Java function's {@code outputDir}; a partition may leave it empty.
     * </ul>
     *
     * The partitioned input has no placeholder or variable (a partition reads its own file), and the step's other
     * outputs have none (the script writes only its partition's results); both are refused here. Each line the
     * script prints goes to the step log prefixed with {@code [NAME] }, the partition's name. A non-zero exit fails the
     * partition ({@code partition 1 'b.txt': python3 score.py exited with status 1: ...}), retried and counted
     * against the error threshold as any partition failure. The script's command (program, arguments as written,
     * variables) is this declaration's state and its source folder's content the step's {@code code:source}: both
     * are in every partition's key, so editing the script computes every partition again.
     *
     * @throws IllegalArgumentException when an argument names the partitioned input or another output than
     *     {@link #into}'s
     * @throws IllegalStateException when no output was named with {@link #into}, or a header was declared without
     *     chunks
     */
    public Parallel apply(Script script) {
      Objects.requireNonNull(script, "script");
      check();
      try {
        ScriptBindings.checkPerPartition(script.command().args(), input, into);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("Parallel over '" + input + "': " + script.what() + ": " + e.getMessage(),
            e);
      }
      return new Parallel(this, null, null, script);
    }

    private void check() {
      if (into == null) {
        throw new IllegalStateException("Parallel over '" + input + "' has no output: name the Dataset to gather"
            + " into with into(\"...\") before apply(...)");
      }
      if (header && rowsPerChunk == 0) {
        throw new IllegalStateException("Parallel over '" + input + "': header(true) applies to chunks only: add"
            + " chunksOf(rows), or drop the header");
      }
    }
  }
}
