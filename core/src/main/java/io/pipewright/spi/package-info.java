/**
 * Extension points for people who write adapters: compute targets and pipeline providers. Each is a small interface
 * found with {@link java.util.ServiceLoader}; an instance passed explicitly wins over discovery.
 */
package io.pipewright.spi;
