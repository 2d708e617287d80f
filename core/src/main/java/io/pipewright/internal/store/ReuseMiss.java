package io.pipewright.internal.store;

/**
 * Why a step that could have been reused ran instead, recorded on its step row so that explain can say it exactly.
 */
public record ReuseMiss(String runId, String step, Reason reason) {
  /** The reasons, in the order the engine checks them. */
  public enum Reason {
    /** The run had reuse turned off ({@code --no-reuse}). */
    REUSE_OFF,
    /** The step does not allow reuse ({@code allowReuse(false)}, or a deploy step). */
    NOT_ALLOWED,
    /** No earlier execution with this fingerprint left a cache entry. */
    NO_ENTRY,
    /** The latest execution with this fingerprint is older than the step's {@code maxReuseAge}. */
    TOO_OLD,
    /** The latest execution with this fingerprint left outputs that are missing or damaged now. */
    OUTPUTS_DAMAGED
  }
}
