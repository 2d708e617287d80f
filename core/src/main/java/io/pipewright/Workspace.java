package io.pipewright;

import io.pipewright.internal.engine.Engine;
import io.pipewright.internal.engine.Explainer;
import io.pipewright.internal.engine.GarbageCollector;
import io.pipewright.internal.engine.LocalTarget;
import io.pipewright.internal.engine.OutputStore;
import io.pipewright.internal.engine.StoredOutput;
import io.pipewright.internal.registry.DatasetRegistry;
import io.pipewright.internal.registry.LineageBuilder;
import io.pipewright.internal.registry.ModelRegistry;
import io.pipewright.internal.store.Registration;
import io.pipewright.internal.engine.Validator;
import io.pipewright.internal.fingerprint.StepFingerprinter;
import io.pipewright.internal.hash.FileHasher;
import io.pipewright.internal.store.JdbcRunStore;
import io.pipewright.internal.store.Recorder;
import io.pipewright.internal.store.RunStore;
import io.pipewright.internal.store.RunStores;
import io.pipewright.internal.util.FileTrees;
import io.pipewright.internal.util.Processes;
import io.pipewright.spi.ComputeTarget;
import io.pipewright.spi.ComputeTargetSettings;
import io.pipewright.spi.ComputeTargets;
import io.pipewright.spi.Datastore;
import io.pipewright.spi.Datastores;
import io.pipewright.spi.RunStoreProvider;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ForkJoinPool;

/**
 * The embedded home of pipelines: a folder holding the local datastore (step outputs, placed by the engine), the run
 * store (an SQLite file) and the compute targets steps run on ({@code local}, a thread pool, by default).
 *
 * <pre>{@code
 * try (Workspace ws = Workspace.open(Path.of(".pipewright"))) {
 *   Run run = ws.submit(pipeline, Map.of("epochs", 30)).await();
 *   System.out.println(run.step("evaluate").metrics());
 * }
 * }</pre>
 *
 * <p>Layout: {@code pipewright.db} (run store), {@code data/} (outputs), {@code tmp/} (steps' staging). Several
 * processes may open the same workspace. With a shared run store ({@link Builder#store(String)}, such as PostgreSQL)
 * runs are recorded there instead, and {@code pipewright.db} keeps only this machine's memo of file hashes.
 * Thread-safe. Closing cancels the runs still active; so does the JVM's
 * shutdown, and a run whose process was killed outright is marked FAILED the next time the workspace is opened.
 */
public final class Workspace implements AutoCloseable {
  private final Path dir;
  private final boolean temporary;
  private final RunStore store;
  /** The workspace's own SQLite file when runs are recorded elsewhere (it keeps the memo of file hashes), or null. */
  private final RunStore local;
  private final Recorder recorder;
  private final Engine engine;
  private final RunHistory history;
  private final DatasetRegistry datasets;
  private final ModelRegistry models;
  private final OutputStore outputs;
  private final Thread shutdownHook;
  private boolean closed;

  private Workspace(Path dir, boolean temporary, RunStore store, RunStore local, Recorder recorder, Engine engine,
      OutputStore outputs, DatasetRegistry datasets, ModelRegistry models) {
    this.dir = dir;
    this.outputs = outputs;
    this.datasets = datasets;
    this.models = models;
    this.temporary = temporary;
    this.store = store;
    this.local = local;
    this.recorder = recorder;
    this.engine = engine;
    this.history = new History(store, dir,
        store instanceof JdbcRunStore jdbc && local != null ? "run store " + jdbc.name() : "workspace " + dir);
    this.shutdownHook = new Thread(this::onShutdown, "pipewright-shutdown");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /** Opens the workspace in {@code dir}, creating it if absent, with default settings. */
  public static Workspace open(Path dir) {
    return builder(dir).open();
  }

  /** A workspace in a new temporary folder, deleted on close: for tests and notebooks. */
  public static Workspace temporary() {
    return builder().open();
  }

  /** Settings for opening the workspace in {@code dir}. */
  public static Builder builder(Path dir) {
    return new Builder(Objects.requireNonNull(dir, "dir"));
  }

  /** Settings for a temporary workspace, deleted on close. */
  public static Builder builder() {
    return new Builder(null);
  }

  public Path dir() {
    return dir;
  }

  /** Names of the configured compute targets. */
  public List<String> targets() {
    return List.copyOf(engine.targets().byName().keySet());
  }

  /** Every problem of the pipeline against this workspace's targets, with its default parameter values. */
  public List<Problem> validate(Pipeline pipeline) {
    return validate(pipeline, Map.of());
  }

  /** Every problem of the pipeline against this workspace's targets, with these parameter values. */
  public List<Problem> validate(Pipeline pipeline, Map<String, ?> parameters) {
    return Validator.validate(pipeline, pipeline.steps(), engine.targets(), parameters, this::resolveDataset)
        .problems();
  }

  /** Validates and starts a run with default parameters. */
  public RunHandle submit(Pipeline pipeline) {
    return submit(pipeline, RunOptions.defaults());
  }

  /** Validates and starts a run with these parameter values. */
  public RunHandle submit(Pipeline pipeline, Map<String, ?> parameters) {
    return submit(pipeline, RunOptions.defaults().params(parameters));
  }

  /**
   * Validates the pipeline and the options' parameters, then starts the run and returns at once.
   *
   * @throws ValidationException listing every problem, if any; nothing is run or recorded then
   */
  public RunHandle submit(Pipeline pipeline, RunOptions options) {
    checkOpen();
    List<Step> steps = pipeline.steps();
    Validator.Result result = Validator.validate(pipeline, steps, engine.targets(), options.parameters(),
        this::resolveDataset);
    if (!result.valid()) {
      throw new ValidationException(pipeline.name(), result.problems());
    }
    Map<String, StoredOutput> resolved = new LinkedHashMap<>();
    for (Parameter p : pipeline.parameters().values()) {
      if (p.type() == ParameterType.DATASET) {
        String reference = (String) result.parameters().get(p.name());
        try {
          resolved.put(p.name(), datasets.stored(datasets.resolve(reference)));
        } catch (UserException e) {
          throw new ValidationException(pipeline.name(), List.of(new Problem(null, "parameter '" + p.name() + "': "
              + e.getMessage())));
        }
      }
    }
    return engine.start(pipeline.name(), steps, result.parameters(), resolved, options);
  }

  /** A DATASET parameter's value as the version it names now: {@code digits} becomes {@code digits:2}. */
  private String resolveDataset(String reference) {
    Registration r = datasets.resolve(reference);
    return r.name() + ":" + r.version();
  }

  /** The datasets registered here: named, versioned, immutable copies of files. */
  public Datasets datasets() {
    checkOpen();
    return datasets;
  }

  /** The models registered here, with their versions, metrics and tags. */
  public Models models() {
    checkOpen();
    return models;
  }

  /**
   * Where something came from and who used it, as a tree: {@code model:NAME[:VERSION|:TAG]},
   * {@code dataset:NAME[:VERSION]} (the latest version when none is given), or {@code RUN/STEP/OUTPUT} (RUN: an id
   * or a unique prefix of it). See {@link Lineage}.
   *
   * @throws UserException naming what cannot be found, or a reference of another form
   */
  public Lineage lineage(String reference) {
    checkOpen();
    Objects.requireNonNull(reference, "reference");
    String hash;
    if (reference.startsWith("model:")) {
      hash = models.get(reference.substring("model:".length())).contentHash();
    } else if (reference.startsWith("dataset:")) {
      hash = datasets.resolve(reference.substring("dataset:".length())).contentHash();
    } else {
      String[] parts = reference.split("/", -1);
      if (parts.length != 3 || parts[0].isEmpty() || parts[1].isEmpty() || parts[2].isEmpty()) {
        throw new UserException("invalid lineage reference '" + reference + "': give model:NAME:VERSION,"
            + " dataset:NAME:VERSION or RUN/STEP/OUTPUT");
      }
      Run run = history.get(parts[0]);
      StepRun step;
      try {
        step = run.step(parts[1]);
      } catch (IllegalArgumentException e) {
        throw new UserException(e.getMessage(), e);
      }
      String location = step.outputs().get(parts[2]);
      if (location == null) {
        throw new UserException("step '" + step.name() + "' of run " + run.shortId() + " has no output '" + parts[2]
            + "' (outputs: " + (step.outputs().isEmpty() ? "none" : String.join(", ",
            new java.util.TreeSet<>(step.outputs().keySet()))) + ")");
      }
      hash = outputs.hashOfLocation(location).orElseThrow(() -> new UserException("output '" + parts[2]
          + "' of step '" + step.name() + "' is not in this workspace's store: " + location));
    }
    return new LineageBuilder(store, outputs).build(hash);
  }

  /** The runs recorded here. */
  public RunHistory runs() {
    return history;
  }

  /**
   * Removes what this workspace no longer needs, as the options say: cache entries no longer wanted (their steps run
   * again next time), then every stored output that no remaining entry and no step of a running run (of any process)
   * uses, and the staging folders of runs that ended. Outputs younger than the options' grace period are kept, and
   * while runs of this workspace are active in this process only cache entries are removed. Run records are kept;
   * a removed output's location in an old run's record then points at nothing.
   *
   * <pre>{@code GcReport report = ws.gc(GcOptions.defaults().keepLast(3));}</pre>
   */
  public GcReport gc(GcOptions options) {
    Objects.requireNonNull(options, "options");
    checkOpen();
    // Registered datasets and models keep their files whatever the cache says.
    return new GarbageCollector(engine, store, recorder, store::registeredHashes, Clock.systemUTC())
        .collect(options);
  }

  /** Cancels active runs (waiting briefly for them to be recorded), then releases the store and targets. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shuttingDown) {
      // The hook is running or about to: it does the same work.
    }
    release();
  }

  private void release() {
    engine.close();
    recorder.close();
    store.close();
    if (local != null) {
      local.close();
    }
    if (temporary) {
      FileTrees.deleteRecursively(dir);
    }
  }

  private void onShutdown() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    engine.cancelAll("the process is shutting down", Duration.ofSeconds(5));
    release();
  }

  private synchronized void checkOpen() {
    if (closed) {
      throw new IllegalStateException("workspace " + dir + " is closed");
    }
  }

  @Override
  public String toString() {
    return "Workspace " + dir + " (targets: " + String.join(", ", targets()) + ")";
  }

  /** Settings for opening a workspace. */
  public static final class Builder {
    private final Path dir;
    private int localThreads = Runtime.getRuntime().availableProcessors();
    private boolean localThreadsSet;
    private final Map<String, ComputeTarget> targets = new LinkedHashMap<>();
    private WorkspaceConfig config = WorkspaceConfig.empty();
    private Boolean fallbackToLocal;
    private Clock clock = Clock.systemUTC();
    private String datastore;
    private Map<String, String> datastoreSettings = Map.of();
    private String storeUrl;
    private RunStoreProvider storeProvider;

    private Builder(Path dir) {
      this.dir = dir;
    }

    /** Threads of the {@code local} target: how many local steps run at once. Default: available processors. */
    public Builder localThreads(int threads) {
      if (threads < 1) {
        throw new IllegalArgumentException("localThreads must be >= 1, was " + threads);
      }
      this.localThreads = threads;
      this.localThreadsSet = true;
      return this;
    }

    /**
     * Reads the workspace's config file (see {@link WorkspaceConfig}): its compute targets, the fallback to
     * {@code local}, the run store and the datastore. What this builder is told explicitly ({@link #target}, {@link
     * #localThreads}, {@link #store}, {@link #datastore}, {@link #fallbackToLocal}) wins over the file.
     *
     * @throws UserException if the file cannot be read or is malformed, in one line naming the file and the key path
     */
    public Builder config(Path file) {
      return config(WorkspaceConfig.read(file));
    }

    /** Uses a config already read: see {@link #config(Path)}. */
    public Builder config(WorkspaceConfig value) {
      this.config = Objects.requireNonNull(value, "config");
      return this;
    }

    /**
     * Whether a step naming a compute target that is not configured runs on {@code local} (true) or fails validation
     * (false). Default: what the config file says, else false.
     */
    public Builder fallbackToLocal(boolean value) {
      this.fallbackToLocal = value;
      return this;
    }

    /**
     * Binds a logical target name to a target instance, instead of any the config file defines under that name; the
     * workspace closes it.
     */
    public Builder target(String name, ComputeTarget target) {
      Objects.requireNonNull(target, "target");
      Pipeline.checkName("compute target", name);
      targets.put(name, target);
      return this;
    }

    /**
     * Mirrors the workspace's stored outputs in a datastore ({@code azureblob://acct/ml/pipewright}, or a shared
     * folder), so that workspaces on other machines that share its run store reuse them: each output is pushed once
     * it is stored, and one that a cache entry names but this machine lacks is copied here before it is reused.
     *
     * @param settings the datastore adapter's settings (credentials, endpoint); never logged
     */
    public Builder datastore(String location, Map<String, String> settings) {
      this.datastore = Objects.requireNonNull(location, "location");
      this.datastoreSettings = Map.copyOf(settings);
      return this;
    }

    /** {@link #datastore(String, Map)} with credentials from the environment. */
    public Builder datastore(String location) {
      return datastore(location, Map.of());
    }

    /** The clock for run and step timestamps. */
    public Builder clock(Clock value) {
      this.clock = Objects.requireNonNull(value, "clock");
      return this;
    }

    /**
     * Records runs in a shared run store at {@code url} instead of the workspace's own SQLite file, so that several
     * processes and machines see one history: {@code jdbc:postgresql://db:5432/pipewright?user=ml} (with
     * {@code io.pipewright:pipewright-runstore-postgresql} on the classpath; a password may come from the URL or from
     * {@code PGPASSWORD}). Found by the URL's scheme through {@link RunStoreProvider}s; {@code null} or blank: the
     * workspace's own file (the default). Outputs stay in the workspace's datastore, and so does the memo of file
     * hashes, which only means something on this machine. A URL given here wins over the config file's.
     */
    public Builder store(String url) {
      this.storeUrl = url == null || url.isBlank() ? null : url.strip();
      this.storeProvider = null;
      return this;
    }

    /** Like {@link #store(String)}, with this provider rather than the one discovery finds for the URL's scheme. */
    public Builder store(String url, RunStoreProvider provider) {
      store(url);
      this.storeProvider = Objects.requireNonNull(provider, "provider");
      return this;
    }

    /**
     * Opens the workspace.
     *
     * @throws UserException if the folder cannot be used: it is a file, cannot be created, or is not writable
     */
    public Workspace open() {
      boolean temporary = dir == null;
      Path root = temporary ? createTemporary() : prepare(dir.toAbsolutePath().normalize());
      Map<String, ComputeTarget> all = createTargets();
      String storeUrl = this.storeUrl != null ? this.storeUrl : config.store().orElse(null);
      String datastore = this.datastore != null ? this.datastore : config.datastore().orElse(null);
      Map<String, String> datastoreSettings = this.datastore != null ? this.datastoreSettings
          : config.datastoreSettings();
      boolean fallback = fallbackToLocal != null ? fallbackToLocal : config.fallbackToLocal().orElse(false);
      JdbcRunStore store;
      JdbcRunStore local = null;
      try {
        local = JdbcRunStore.openSqlite(root.resolve("pipewright.db"));
        store = storeUrl == null ? local : RunStores.open(storeUrl, this.storeUrl == null ? null : storeProvider);
      } catch (RuntimeException e) {
        if (local != null) {
          local.close();
        }
        all.values().forEach(ComputeTarget::close);
        throw e;
      }
      Recorder recorder = null;
      Datastore mirror = null;
      try {
        mirror = datastore == null ? null : Datastores.open(datastore, datastoreSettings);
        // Files are hashed once per version: remembered in memory and in the workspace's own SQLite file (the
        // paths and file ids are this machine's), shared by all runs.
        FileHasher hasher = FileHasher.builder(ForkJoinPool.commonPool()).memo(local).build();
        OutputStore outputs = new OutputStore(root.resolve("data"), root.resolve("tmp"), hasher);
        for (String abandoned : store.recoverAbandoned(Processes.hostName(), clock.millis())) {
          FileTrees.deleteRecursively(outputs.runStaging(abandoned));
        }
        recorder = new Recorder(store, root.getFileName().toString());
        StepFingerprinter fingerprinter = StepFingerprinter.forJava(outputs::hashFile);
        ModelRegistry models = new ModelRegistry(store, outputs, root, clock);
        return new Workspace(root, temporary, store, store == local ? null : local, recorder,
            new Engine(all, fallback, outputs, store, recorder, fingerprinter, root.resolve("locks"), clock, models, mirror,
                datastoreSettings), outputs, new DatasetRegistry(store, outputs, root, clock), models);
      } catch (RuntimeException e) {
        if (recorder != null) {
          recorder.close();
        }
        if (mirror != null) {
          mirror.close();
        }
        store.close();
        if (store != local) {
          local.close();
        }
        all.values().forEach(ComputeTarget::close);
        throw e;
      }
    }

    /**
     * {@code local} first, then the config file's targets in its order, then those given explicitly; explicit ones
     * replace the file's of the same name. On failure, closes what it created and what it was given.
     */
    private Map<String, ComputeTarget> createTargets() {
      Map<String, ComputeTarget> all = new LinkedHashMap<>();
      try {
        Map<String, ComputeTargetSettings> configured = new LinkedHashMap<>(config.targets());
        ComputeTargetSettings local = configured.remove("local");
        if (targets.containsKey("local")) {
          all.put("local", targets.get("local"));
        } else if (local == null || localThreadsSet && !local.type().equals("local")) {
          all.put("local", new LocalTarget(localThreads));
        } else {
          all.put("local", create(localThreadsSet ? local.with("threads", localThreads) : local));
        }
        for (ComputeTargetSettings settings : configured.values()) {
          if (!targets.containsKey(settings.name())) {
            all.put(settings.name(), create(settings));
          }
        }
        all.putAll(targets);
        return all;
      } catch (RuntimeException e) {
        all.values().forEach(ComputeTarget::close);
        targets.values().stream().filter(t -> !all.containsValue(t)).forEach(ComputeTarget::close);
        throw e;
      }
    }

    private ComputeTarget create(ComputeTargetSettings settings) {
      try {
        return ComputeTargets.create(settings);
      } catch (UserException e) {
        throw new UserException("config " + config.source() + ": " + e.getMessage(), e);
      }
    }

    private static Path createTemporary() {
      try {
        return Files.createTempDirectory("pipewright-");
      } catch (IOException e) {
        throw new UserException("cannot create a temporary workspace: " + e.getMessage(), e);
      }
    }

    private static Path prepare(Path root) {
      if (Files.exists(root) && !Files.isDirectory(root)) {
        throw new UserException("workspace " + root + " is a file, not a folder: give a folder with --workspace");
      }
      try {
        Files.createDirectories(root.resolve("data"));
        Files.createDirectories(root.resolve("tmp"));
      } catch (FileAlreadyExistsException e) {
        throw new UserException("cannot create workspace " + root + ": " + e.getFile() + " is a file", e);
      } catch (IOException e) {
        throw new UserException("cannot create workspace " + root + ": " + describe(root, e), e);
      }
      if (!Files.isWritable(root) || !Files.isWritable(root.resolve("data"))) {
        throw new UserException("workspace " + root + " is not writable");
      }
      return root;
    }

    private static String describe(Path root, IOException e) {
      for (Path above = root.getParent(); above != null; above = above.getParent()) {
        if (Files.exists(above)) {
          if (!Files.isDirectory(above)) {
            return above + " is a file";
          }
          break;
        }
      }
      return e instanceof java.nio.file.AccessDeniedException ? "permission denied on " + e.getMessage()
          : e.getClass().getSimpleName() + ": " + e.getMessage();
    }
  }

  /** Run history backed by the store. */
  private record History(RunStore store, Path dir, String where) implements RunHistory {
    @Override
    public List<Run> list(int limit) {
      if (limit < 1) {
        throw new IllegalArgumentException("limit must be >= 1, was " + limit);
      }
      return store.list(limit);
    }

    @Override
    public Optional<Run> find(String idOrPrefix) {
      Objects.requireNonNull(idOrPrefix, "run id");
      List<String> ids = store.idsStartingWith(idOrPrefix, 2);
      return ids.size() == 1 ? store.load(ids.get(0)) : Optional.empty();
    }

    @Override
    public Run get(String idOrPrefix) {
      if (idOrPrefix == null || idOrPrefix.isBlank()) {
        throw new UserException("give a run id (see: pipewright runs)");
      }
      List<String> ids = store.idsStartingWith(idOrPrefix, 6);
      if (ids.isEmpty()) {
        throw new UserException("no run '" + idOrPrefix + "' in " + where + " (see: pipewright runs)");
      }
      if (ids.size() > 1) {
        throw new UserException("run id '" + idOrPrefix + "' is ambiguous: it starts "
            + String.join(", ", ids.stream().limit(5).map(i -> i.substring(0, Math.min(12, i.length()))).toList())
            + (ids.size() > 5 ? ", ..." : "") + " -- give more characters");
      }
      return store.load(ids.get(0)).orElseThrow();
    }

    @Override
    public Optional<Fingerprint> fingerprint(String hash) {
      return store.fingerprint(Objects.requireNonNull(hash, "fingerprint"));
    }

    @Override
    public List<RunEvent.Log> logs(String runId, String step) {
      Run run = get(runId);
      checkStep(run, step);
      return store.logs(run.id(), step);
    }

    @Override
    public Explanation explain(String runIdOrPrefix, String step) {
      Run run = get(runIdOrPrefix);
      checkStep(run, step);
      return new Explainer(store, dir.resolve("data").resolve("objects")).explain(run, step);
    }

    private static void checkStep(Run run, String step) {
      try {
        run.step(step);
      } catch (IllegalArgumentException e) {
        throw new UserException(e.getMessage(), e); // names the run and its steps
      }
    }
  }
}
