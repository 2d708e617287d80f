package io.pipewright;

import java.nio.file.Path;

/**
 * Implemented by a step body whose code is files rather than JVM classes: a script and what lies beside it, as Azure
 * ML snapshots a step's {@code source_directory}. The folder's content hash is part of the step's fingerprint (the
 * component {@code code:source}), so editing any file in it re-runs the step, and the body runs on
 * {@link StepContext#sourceSnapshot() a snapshot} of it, checked against that hash.
 */
public interface SourceFolder {
  /** The folder holding the step's code. */
  Path sourceFolder();
}
