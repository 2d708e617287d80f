package io.pipewright.internal.store;

import java.time.Instant;
import java.util.Map;

/**
 * A reusable execution: outputs that a step with this fingerprint produced, by output name to content hash. Written
 * only once every output is durably stored; read to decide whether a step with the same fingerprint can be reused.
 */
public record CacheEntry(String fingerprint, String runId, String step, Map<String, String> outputs,
    Instant createdAt) {
  public CacheEntry {
    outputs = Map.copyOf(outputs);
  }
}
