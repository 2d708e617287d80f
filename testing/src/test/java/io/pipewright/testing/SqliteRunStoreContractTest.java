package io.pipewright.testing;

import io.pipewright.internal.store.SqliteDatabase;
import io.pipewright.spi.RunStoreDatabase;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The workspace's own SQLite file passes the run store contract. */
class SqliteRunStoreContractTest extends RunStoreContract {
  @TempDir
  Path tmp;

  @Override
  protected RunStoreDatabase newDatabase() {
    return new SqliteDatabase(tmp.resolve("pipewright.db"));
  }
}
