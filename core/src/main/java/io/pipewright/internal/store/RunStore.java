package io.pipewright.internal.store;

import io.pipewright.Fingerprint;
import io.pipewright.Run;
import io.pipewright.RunEvent;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Where runs are recorded. Writes come in batches from one recorder thread; reads from any thread. */
public interface RunStore extends AutoCloseable {
  /**
   * Applies a batch of {@link PlannedRun}s, {@link CacheEntry}s and {@link RunEvent}s in one transaction, in order.
   */
  void record(List<Object> batch);

  /** The latest runs, newest first. */
  List<Run> list(int limit);

  /** Ids of runs starting with {@code prefix}, at most {@code max}. */
  List<String> idsStartingWith(String prefix, int max);

  Optional<Run> load(String runId);

  List<RunEvent.Log> logs(String runId, String step);

  /** The latest reusable execution with this fingerprint, if any. */
  Optional<CacheEntry> cacheEntry(String fingerprint);

  /** The metrics a step of a run reported. */
  Map<String, Double> metrics(String runId, String step);

  /** A recorded fingerprint's components. */
  Optional<Fingerprint> fingerprint(String hash);

  /** One step of a run, with its fingerprint and why it is not reusable; empty if the run or step is unknown. */
  Optional<StepExecution> stepExecution(String runId, String step);

  /**
   * The latest execution of the step named {@code step} of {@code pipeline} that has a fingerprint and SUCCEEDED or
   * was REUSED, in a run started before run {@code beforeRunId} (runs started in the same millisecond by the order
   * they were recorded): what an execution is compared with to say why it ran.
   */
  Optional<StepExecution> previousExecution(String pipeline, String step, String beforeRunId);

  /**
   * The latest execution, of any pipeline or step, with this fingerprint that SUCCEEDED or was REUSED, in a run
   * started before run {@code beforeRunId}: the execution a step could have reused.
   */
  Optional<StepExecution> previousExecutionWithFingerprint(String fingerprint, String beforeRunId);

  /**
   * Ends the runs left RUNNING by a process of this host that no longer exists (killed, crashed): the run becomes
   * FAILED, its unfinished steps CANCELLED. Returns the ids of the runs it ended.
   */
  List<String> recoverAbandoned(String host, long nowMillis);

  /** Every cache entry, oldest first: for garbage collection. */
  List<CacheEntry> cacheEntries();

  /** Removes the cache entries with these fingerprints; their steps run again next time. */
  void removeCacheEntries(Collection<String> fingerprints);

  /**
   * The fingerprints of the steps of the {@code perPipeline} most recent runs of each pipeline, and the keys of the
   * work units those runs stored or used.
   */
  Set<String> fingerprintsOfLatestRuns(int perPipeline);

  /** Ids of the runs recorded RUNNING, by any process. */
  List<String> runningRunIds();

  /** Ids of the runs recorded RUNNING by the process {@code pid} on {@code host}. */
  List<String> runningRunIds(String host, long pid);

  /** Where the steps of RUNNING runs found or put their outputs ({@code steps.outputs} locations). */
  List<String> outputLocationsOfRunningRuns();

  /**
   * Locks shared with the other processes and machines that use this store, where the database has them (a shared
   * store); empty for the workspace's own SQLite file, whose processes share the workspace's lock files instead.
   */
  default java.util.Optional<SharedLocks> sharedLocks() {
    return java.util.Optional.empty();
  }

  // ---------------------------------------------------------------- registries (datasets and models), schema v4

  /**
   * Records a new version of {@code r.kind()} {@code r.name()} (its version is the next one), or returns the version
   * that already has its content hash, with {@code r.tags()} added to it either way (a tag moves from the version that
   * had it). Safe against other processes registering the same name at once: a lost race is retried.
   */
  Registration register(Registration r);

  /** The versions of one name (all names when {@code name} is null) of a kind, by name and version. */
  List<Registration> registrations(String kind, String name);

  /** Puts {@code tag} on a version, taking it off the version of the same name that had it. */
  void tag(String kind, String name, long version, String tag);

  /** The content hashes of every registered version of any kind: kept by gc. */
  Set<String> registeredHashes();

  /** The steps that SUCCEEDED with an output stored under this content hash, earliest run first. */
  List<StepExecution> producersOf(String contentHash);

  /** The steps that ran or were reused with an input of this content hash, earliest run first. */
  List<StepExecution> consumersOf(String contentHash);

  @Override
  void close();
}
