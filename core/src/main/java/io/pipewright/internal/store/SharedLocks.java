package io.pipewright.internal.store;

/**
 * Locks that every process on every machine using a shared run store sees, keyed by a 64-bit number, held by this
 * store's session and dropped by the database when the process dies (PostgreSQL advisory locks). Thread-safe. A lock
 * is held at most once per store: callers keep threads of their process apart themselves.
 */
public interface SharedLocks {
  /** Takes the lock if no other session holds it; never waits. */
  boolean tryLock(long key);

  /** Releases a lock this store holds. */
  void unlock(long key);
}
