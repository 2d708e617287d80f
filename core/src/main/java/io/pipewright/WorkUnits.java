package io.pipewright;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Pieces of work inside one step that are stored and reused on their own, by key: how a parallel step re-runs only the
 * partitions whose data changed. A key must say everything the piece's result depends on (a parallel step derives it
 * from the step's {@link StepContext#fingerprint() fingerprint} without the partitioned input, plus the partition's
 * content hash). Stored folders are immutable and content-addressed like step outputs, and {@code pipewright gc}
 * treats them like cache entries.
 */
public interface WorkUnits {
  /** The folder stored under {@code key} by an earlier execution, if it is still intact; read it, never write it. */
  Optional<Path> find(String key);

  /**
   * Stores a completely written folder under {@code key} (it is moved; write it under {@link StepContext#tempDir()})
   * and returns where it now lies. Storing equal content twice keeps one copy. Thread-safe.
   */
  Path store(String key, Path folder) throws IOException;
}
