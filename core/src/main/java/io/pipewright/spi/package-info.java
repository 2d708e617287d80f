/**
 * Extension points for people who write adapters: compute targets, datastores, pipeline providers and run store
 * databases. Each is a small interface found with {@link java.util.ServiceLoader}; an instance passed explicitly wins
 * over discovery. Datastores are found by URI scheme through {@link io.pipewright.spi.Datastores}, and every key is
 * checked in one place, {@link io.pipewright.spi.DatastoreKeys}.
 */
package io.pipewright.spi;
