package io.pipewright.runstore.postgresql;

import static org.assertj.core.api.Assertions.assertThat;

import io.pipewright.internal.store.JdbcRunStore;
import io.pipewright.internal.store.SharedLocks;
import io.pipewright.spi.RunStoreDatabase;
import io.pipewright.testing.RunStoreContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** PostgreSQL passes the run store contract; and its advisory locks keep stores (processes, machines) apart. */
class PostgresRunStoreContractIT extends RunStoreContract {
  @Override
  protected RunStoreDatabase newDatabase() {
    return new PostgresRunStoreProvider().open(TestPostgres.newSchemaUrl());
  }

  @AfterAll
  static void dropSchemas() {
    TestPostgres.dropSchemas();
  }

  @Test
  void anAdvisoryLockHeldByOneStoreIsRefusedToAnotherUntilReleasedOrItsSessionEnds() {
    SharedLocks mine = store.sharedLocks().orElseThrow();
    JdbcRunStore other = open();
    SharedLocks theirs = other.sharedLocks().orElseThrow();

    assertThat(mine.tryLock(42)).isTrue();
    assertThat(theirs.tryLock(42)).isFalse();
    assertThat(theirs.tryLock(43)).isTrue();
    mine.unlock(42);
    assertThat(theirs.tryLock(42)).isTrue();

    other.close(); // as a process that dies: the database drops its session's locks
    assertThat(mine.tryLock(42)).isTrue();
    assertThat(mine.tryLock(43)).isTrue();
  }
}
