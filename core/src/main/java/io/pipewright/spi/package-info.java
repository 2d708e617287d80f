/**
 * Extension points for people who write adapters: compute targets, pipeline providers and run store databases. Each
 * is a small interface found with {@link java.util.ServiceLoader}; an instance passed explicitly wins over discovery.
 */
package io.pipewright.spi;
