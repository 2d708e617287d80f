/**
 * The dataset and model registries and lineage; implementation details of Pipewright, not API, may change in any
 * release without notice.
 */
package io.pipewright.internal.registry;
