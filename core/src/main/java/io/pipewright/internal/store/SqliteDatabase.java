package io.pipewright.internal.store;

import io.pipewright.spi.RunStoreDatabase;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import org.sqlite.SQLiteConfig;

/**
 * A workspace's own SQLite file. Per connection: WAL (readers never block the writer, other processes share the
 * file), {@code synchronous=NORMAL}, and a busy timeout for another process's write lock.
 */
public record SqliteDatabase(Path file) implements RunStoreDatabase {
  @Override
  public RunStoreDatabase.Dialect dialect() {
    return RunStoreDatabase.Dialect.SQLITE;
  }

  @Override
  public String displayName() {
    return file.toString();
  }

  @Override
  public Connection connect() throws SQLException {
    SQLiteConfig config = new SQLiteConfig();
    config.setBusyTimeout(JdbcRunStore.BUSY_TIMEOUT_MILLIS);
    config.setJournalMode(SQLiteConfig.JournalMode.WAL);
    config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
    config.setGetGeneratedKeys(false); // never read; asking costs a parse of every statement
    return config.createConnection("jdbc:sqlite:" + file);
  }
}
