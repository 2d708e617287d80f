package io.pipewright;

import java.util.List;

/**
 * What {@link Workspace#gc(GcOptions)} removed, or with a dry run would have removed, and what it kept.
 *
 * @param dryRun whether nothing was actually removed
 * @param entriesRemoved cache entries removed: their steps run again next time
 * @param entriesKept cache entries kept
 * @param objectsRemoved stored outputs removed (files and manifest)
 * @param objectsInUse stored outputs kept because a remaining cache entry, a running step or a registry uses them
 * @param objectsRecent unused stored outputs kept because they are younger than the grace period
 * @param stagingRemoved staging folders removed from {@code tmp/}: those of runs that are no longer running
 * @param bytesFreed the size of the files removed (outputs, manifests, staging), in bytes
 * @param activeRuns runs that were active in this process: while there are any, no stored output and no staging
 *     folder is removed (only cache entries), since a step may be about to commit or reuse one
 */
public record GcReport(boolean dryRun, int entriesRemoved, int entriesKept, int objectsRemoved, int objectsInUse,
    int objectsRecent, int stagingRemoved, long bytesFreed, List<String> activeRuns) {
  public GcReport {
    activeRuns = List.copyOf(activeRuns);
  }
}
