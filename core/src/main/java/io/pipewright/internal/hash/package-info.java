/**
 * Hashing of step inputs and outputs into manifests: each file is read once, then remembered by its path, size,
 * modification time and file key, in memory and in a persistent {@link io.pipewright.internal.hash.HashMemo}.
 *
 * <p>Implementation details of Pipewright; not API, may change in any release without notice.
 */
package io.pipewright.internal.hash;
