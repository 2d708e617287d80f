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
    assertThat(eventually(() -> mine.tryLock(42))).isTrue();
    assertThat(eventually(() -> mine.tryLock(43))).isTrue();
  }

  /**
   * Whether {@code lock} succeeds within 10 s: the server ends a closed connection's session, and drops its locks,
   * a moment after the client closed it.
   */
  private static boolean eventually(java.util.function.BooleanSupplier lock) {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
    while (!lock.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return true;
  }
}
