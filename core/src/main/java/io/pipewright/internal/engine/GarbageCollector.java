package io.pipewright.internal.engine;

import io.pipewright.GcOptions;
import io.pipewright.GcReport;
import io.pipewright.PipewrightException;
import io.pipewright.internal.store.CacheEntry;
import io.pipewright.internal.store.Recorder;
import io.pipewright.internal.store.RunStore;
import io.pipewright.internal.util.FileTrees;
import io.pipewright.internal.util.Processes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Removes what a workspace no longer needs: first the cache entries that the options no longer want, then every
 * stored output that nothing uses, then the staging folders of runs that ended. An output is used when a remaining
 * cache entry names it, a step of a RUNNING run (of any process) found or put it there, or it is pinned (see
 * {@link #GarbageCollector}); an unused output younger than the grace period is kept too, as another process may
 * have just committed it and not yet recorded its entry. While runs of this process are active nothing but entries
 * is removed: one of their steps may be about to reuse or commit an output.
 *
 * <p>A reader never sees a manifest whose files are gone: the manifest goes first. A step of another process that
 * checked an output just before it was removed can still find it gone; reuse checks outputs first, so such a step
 * runs again next time.
 */
public final class GarbageCollector {
  private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");

  private final OutputStore outputs;
  private final RunStore store;
  private final Recorder recorder;
  private final Supplier<Set<String>> pinned;
  private final Clock clock;

  /**
   * @param pinned the content hashes that something other than the cache still uses, such as registered models and
   *     datasets: never removed, whatever the cache entries say. This is the one place where such users join in.
   * @param clock wall-clock time, to which entries' creation times and files' modification times are compared
   */
  public GarbageCollector(Engine engine, RunStore store, Recorder recorder, Supplier<Set<String>> pinned,
      Clock clock) {
    this.outputs = engine.outputs();
    this.store = store;
    this.recorder = recorder;
    this.pinned = pinned;
    this.clock = clock;
  }

  /** Collects garbage as the options say; with a dry run, only counts what it would remove. */
  public GcReport collect(GcOptions options) {
    flushRecorder(); // this process's entries and step outputs are in the store before anything is decided
    Instant now = clock.instant();
    List<String> activeHere = store.runningRunIds(Processes.hostName(), Processes.pid());

    // 1. Cache entries.
    Instant cutoff = now.minus(options.effectiveOlderThan());
    Set<String> usedByLatest = options.keepLast().isPresent()
        ? store.fingerprintsOfLatestRuns(options.keepLast().getAsInt()) : Set.of();
    Set<String> running = new HashSet<>(store.runningRunIds());
    List<CacheEntry> kept = new ArrayList<>();
    List<String> removed = new ArrayList<>();
    for (CacheEntry entry : store.cacheEntries()) {
      boolean wanted = entry.createdAt().isAfter(cutoff) || usedByLatest.contains(entry.fingerprint())
          || running.contains(entry.runId());
      if (wanted) {
        kept.add(entry);
      } else {
        removed.add(entry.fingerprint());
      }
    }
    if (!options.dryRun()) {
      store.removeCacheEntries(removed);
    }
    if (!activeHere.isEmpty()) {
      return new GcReport(options.dryRun(), removed.size(), kept.size(), 0, 0, 0, 0, 0, activeHere);
    }

    // 2. Stored outputs. What running steps use is read after the entries are gone, so a step that reused one in
    // the meantime is seen.
    Set<String> used = inUse(kept);
    Instant youngest = now.minus(options.grace());
    int removedObjects = 0;
    int inUse = 0;
    int recent = 0;
    long bytes = 0;
    for (String hash : storedHashes()) {
      if (used.contains(hash)) {
        inUse++;
        continue;
      }
      List<Path> parts = parts(hash);
      if (newestChange(parts).isAfter(youngest)) {
        recent++;
        continue;
      }
      bytes += size(parts);
      removedObjects++;
      if (!options.dryRun()) {
        try {
          outputs.delete(hash);
        } catch (IOException e) {
          throw new PipewrightException("gc: cannot remove the stored output " + hash + ": " + e, e);
        }
      }
    }

    // 3. Staging folders of runs that ended; of unknown runs only once they are older than the grace period, as a
    // run of another process may not be recorded yet.
    Set<String> stillRunning = new HashSet<>(store.runningRunIds());
    int staging = 0;
    for (Path folder : children(outputs.stagingFolder())) {
      String runId = folder.getFileName().toString();
      if (stillRunning.contains(runId)) {
        continue;
      }
      boolean known = store.idsStartingWith(runId, 1).equals(List.of(runId));
      List<Path> files = List.of(folder);
      if (!known && newestChange(files).isAfter(youngest)) {
        continue;
      }
      bytes += size(files);
      staging++;
      if (!options.dryRun()) {
        FileTrees.deleteRecursively(folder);
      }
    }
    return new GcReport(options.dryRun(), removed.size(), kept.size(), removedObjects, inUse, recent, staging, bytes,
        List.of());
  }

  private void flushRecorder() {
    try {
      recorder.flush().join();
    } catch (CompletionException e) {
      throw new PipewrightException("gc: cannot record what this process's runs did: " + e.getCause(), e);
    }
  }

  /** The content hashes that must stay: those of the kept entries, of running steps' outputs, and pinned ones. */
  private Set<String> inUse(List<CacheEntry> kept) {
    Set<String> used = new HashSet<>();
    kept.forEach(entry -> used.addAll(entry.outputs().values()));
    for (String location : store.outputLocationsOfRunningRuns()) {
      outputs.hashOfLocation(location).ifPresent(used::add);
    }
    used.addAll(pinned.get());
    return used;
  }

  /** Every content hash with a manifest, a partial manifest or a folder in the store, sorted. */
  private Set<String> storedHashes() {
    Set<String> hashes = new TreeSet<>();
    for (Path shard : children(outputs.objectsFolder())) {
      for (Path part : children(shard)) {
        String name = part.getFileName().toString();
        int dot = name.indexOf('.');
        String hex = dot < 0 ? name : name.substring(0, dot);
        if (HEX.matcher(hex).matches() && hex.startsWith(shard.getFileName().toString())
            && (dot < 0 || name.equals(hex + ".json") || name.equals(hex + ".json.partial"))) {
          hashes.add("sha256:" + hex);
        }
      }
    }
    return hashes;
  }

  /** The files and folder of a stored output that exist: manifest, partial manifest, folder. */
  private List<Path> parts(String hash) {
    String hex = hash.substring("sha256:".length());
    Path shard = outputs.objectsFolder().resolve(hex.substring(0, 2));
    List<Path> parts = new ArrayList<>(3);
    for (String name : List.of(hex + ".json", hex + ".json.partial", hex)) {
      Path part = shard.resolve(name);
      if (Files.exists(part, LinkOption.NOFOLLOW_LINKS)) {
        parts.add(part);
      }
    }
    return parts;
  }

  private static List<Path> children(Path folder) {
    if (!Files.isDirectory(folder)) {
      return List.of();
    }
    List<Path> children = new ArrayList<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(folder)) {
      stream.forEach(children::add);
    } catch (IOException e) {
      throw new UncheckedIOException("gc: cannot list " + folder, e);
    }
    return children;
  }

  /** The latest modification time of anything in these trees: the last sign that someone was writing there. */
  private static Instant newestChange(List<Path> roots) {
    Instant newest = Instant.EPOCH;
    for (Path root : roots) {
      for (Path path : walk(root)) {
        try {
          Instant modified = Files.getLastModifiedTime(path, LinkOption.NOFOLLOW_LINKS).toInstant();
          newest = modified.isAfter(newest) ? modified : newest;
        } catch (NoSuchFileException gone) {
          // removed meanwhile: nothing to date
        } catch (IOException e) {
          throw new UncheckedIOException("gc: cannot read " + path, e);
        }
      }
    }
    return newest;
  }

  /** The bytes of the regular files in these trees. */
  private static long size(List<Path> roots) {
    long bytes = 0;
    for (Path root : roots) {
      for (Path path : walk(root)) {
        try {
          if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
            bytes += Files.size(path);
          }
        } catch (NoSuchFileException gone) {
          // removed meanwhile: not freed by us
        } catch (IOException e) {
          throw new UncheckedIOException("gc: cannot read " + path, e);
        }
      }
    }
    return bytes;
  }

  private static List<Path> walk(Path root) {
    try (Stream<Path> paths = Files.walk(root)) {
      return paths.toList();
    } catch (NoSuchFileException gone) {
      return List.of();
    } catch (IOException | UncheckedIOException e) {
      throw new PipewrightException("gc: cannot read " + root + ": " + e.getMessage(), e);
    }
  }
}
