/**
 * Step fingerprints: the canonical encoding of what a step execution depends on, and the code identity of Java step
 * bodies. Implementation details of Pipewright; not API, may change in any release without notice.
 */
package io.pipewright.internal.fingerprint;
