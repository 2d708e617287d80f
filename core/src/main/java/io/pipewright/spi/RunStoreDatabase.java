package io.pipewright.spi;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * A database a {@link RunStoreProvider} opened for a run store: how to connect, and which SQL dialect it speaks.
 * Core opens a few connections per workspace (a writer, a reader and, where the dialect has them, one for locks) and
 * keeps them until the workspace closes; it sets auto-commit and isolation itself.
 */
public interface RunStoreDatabase {
  /** The SQL dialects core writes the run store's schema and queries for. */
  enum Dialect {
    /** SQLite 3.35 or newer: the embedded default, one file per workspace. */
    SQLITE,
    /**
     * PostgreSQL 12 or newer: shared by several processes and machines. Schema migrations are serialised with an
     * advisory lock, steps of one fingerprint are computed once across machines with advisory locks, and
     * transactions that fail with a serialization failure or a deadlock are tried again.
     */
    POSTGRESQL
  }

  Dialect dialect();

  /** The database as messages name it: its URL (or file) with any password masked. */
  String displayName();

  /** A new connection, in auto-commit mode. */
  Connection connect() throws SQLException;
}
