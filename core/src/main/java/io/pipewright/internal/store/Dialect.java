package io.pipewright.internal.store;

import io.pipewright.UserException;
import io.pipewright.spi.RunStoreDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** What differs between the SQL databases the run store runs on; everything else is shared SQL. */
enum Dialect {
  /** Migrations under {@code BEGIN IMMEDIATE}: SQLite's write lock keeps other processes out of the file. */
  SQLITE {
    @Override
    void migrate(String name, Connection c) throws SQLException {
      try (Statement s = c.createStatement()) {
        s.execute("begin immediate");
        try {
          applyMigrations(name, s, "integer");
          s.execute("commit");
        } catch (SQLException | RuntimeException e) {
          s.execute("rollback");
          throw e;
        }
      }
    }

    @Override
    void prepareReader(Connection reader) {
      // A transaction in WAL mode is a snapshot already.
    }

    @Override
    boolean isTransient(SQLException e) {
      return false; // busy: handled by busy_timeout and the recorder's attempts
    }
  },

  /**
   * Migrations in one transaction under a transaction-level advisory lock, so that processes opening a new database at
   * once apply each migration once; PostgreSQL's DDL is transactional.
   */
  POSTGRESQL {
    /** The advisory lock key of migrations: "pipewrit" in ASCII. */
    static final long MIGRATION_LOCK = 0x7069706577726974L;

    @Override
    void migrate(String name, Connection c) throws SQLException {
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        s.execute("select pg_advisory_xact_lock(" + MIGRATION_LOCK + ")");
        applyMigrations(name, s, "bigint");
        c.commit();
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(true);
      }
    }

    @Override
    void prepareReader(Connection reader) throws SQLException {
      // A run and its steps read in one transaction come from one snapshot; read-only ones never conflict.
      reader.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
    }

    @Override
    boolean isTransient(SQLException e) {
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof SQLException sql) {
          for (SQLException next = sql; next != null; next = next.getNextException()) {
            String state = next.getSQLState();
            if ("40001".equals(state) || "40P01".equals(state)) { // serialization failure, deadlock
              return true;
            }
          }
        }
      }
      return false;
    }
  };

  static Dialect of(RunStoreDatabase.Dialect dialect) {
    return switch (dialect) {
      case SQLITE -> SQLITE;
      case POSTGRESQL -> POSTGRESQL;
    };
  }

  /** Brings the schema up to date, keeping other processes out meanwhile; refuses a newer one. */
  abstract void migrate(String name, Connection c) throws SQLException;

  /** Sets up the reader connection. */
  abstract void prepareReader(Connection reader) throws SQLException;

  /** Whether a transaction failed only because of a concurrent one, and may simply run again. */
  abstract boolean isTransient(SQLException e);

  /** Whether the database could not be reached or refused the login (SQL state class 08, or 28). */
  static boolean isConnectionFailure(SQLException e) {
    String state = e.getSQLState();
    return state != null && (state.startsWith("08") || state.startsWith("28") || state.equals("3D000"));
  }

  /** Applies the missing migrations; call in a transaction that keeps other processes out. */
  void applyMigrations(String name, Statement s, String millisType) throws SQLException {
    s.execute("create table if not exists schema_migrations (version integer primary key, applied_at " + millisType
        + " not null)");
    int current;
    try (ResultSet rs = s.executeQuery("select coalesce(max(version), 0) from schema_migrations")) {
      current = rs.next() ? rs.getInt(1) : 0;
    }
    int latest = Schema.MIGRATIONS.size();
    if (current > latest) {
      throw new UserException("run store " + name + " has schema version " + current
          + ", newer than this Pipewright understands (" + latest + "): upgrade Pipewright");
    }
    for (int v = current + 1; v <= latest; v++) {
      for (String sql : Schema.MIGRATIONS.get(v - 1).statements(this)) {
        s.execute(sql);
      }
      s.execute("insert into schema_migrations (version, applied_at) values (" + v + ", "
          + System.currentTimeMillis() + ")");
    }
  }
}
