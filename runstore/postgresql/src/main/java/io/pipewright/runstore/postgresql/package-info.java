/**
 * The PostgreSQL run store: {@link io.pipewright.runstore.postgresql.PostgresRunStoreProvider}, found by
 * {@code ServiceLoader} for {@code jdbc:postgresql:} store URLs. Users import nothing from here: they give the URL.
 */
package io.pipewright.runstore.postgresql;
