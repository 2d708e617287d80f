package io.pipewright.internal.store;

import io.pipewright.Fingerprint;
import io.pipewright.Run;
import io.pipewright.RunEvent;
import java.util.List;
import java.util.Map;
import java.util.Optional;

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

  /**
   * Ends the runs left RUNNING by a process of this host that no longer exists (killed, crashed): the run becomes
   * FAILED, its unfinished steps CANCELLED. Returns the ids of the runs it ended.
   */
  List<String> recoverAbandoned(String host, long nowMillis);

  @Override
  void close();
}
