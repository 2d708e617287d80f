package io.pipewright.internal.store;

/**
 * A step execution whose outputs were complete for its run but must not be reused by later runs, and why (a parallel
 * step that tolerated failed partitions): recorded on its step row, so that explain can say why the next run ran it.
 */
public record KeptFromReuse(String runId, String step, String reason) {}
