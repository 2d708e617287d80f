package io.pipewright.internal.engine;

import io.pipewright.Dataset;
import io.pipewright.WorkUnits;
import io.pipewright.internal.store.CacheEntry;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The work units of one step of one run: folders stored in the output store like a Dataset output, each named by a
 * cache entry whose fingerprint is the unit's key, so that reuse, damage checks and gc treat them like step outputs.
 */
final class StoredUnits implements WorkUnits {
  private static final String OUTPUT = "unit";

  private final Engine engine;
  private final String runId;
  private final String step;
  private final boolean reuse;

  /** @param reuse whether the step may be reused: if not, no unit is found, and each is computed again */
  StoredUnits(Engine engine, String runId, String step, boolean reuse) {
    this.engine = engine;
    this.runId = runId;
    this.step = step;
    this.reuse = reuse;
  }

  @Override
  public Optional<Path> find(String key) {
    checked(key);
    if (!reuse) {
      return Optional.empty();
    }
    Optional<StoredOutput> found = engine.cacheEntry(key)
        .map(entry -> entry.outputs().get(OUTPUT))
        .flatMap(hash -> engine.outputs().load(hash))
        .filter(stored -> stored.type() == Dataset.class);
    // Entries name the latest run that used them, so that gc --keep-last keeps what the latest runs used.
    found.ifPresent(stored -> engine.recorder().offer(new CacheEntry(key, runId, step,
        Map.of(OUTPUT, stored.contentHash()), engine.now())));
    return found.map(StoredOutput::dir);
  }

  @Override
  public Path store(String key, Path folder) throws IOException {
    checked(key);
    StoredOutput stored = engine.outputs().commitFiles(Dataset.class, folder, engine.outputs().manifest(folder),
        Map.of());
    engine.recorder().offer(new CacheEntry(key, runId, step, Map.of(OUTPUT, stored.contentHash()), engine.now()));
    return stored.dir();
  }

  private static String checked(String key) {
    Objects.requireNonNull(key, "key");
    if (key.isBlank() || key.length() > 200) {
      throw new IllegalArgumentException("a work unit key must be 1 to 200 characters, was '" + key + "'");
    }
    return key;
  }
}
