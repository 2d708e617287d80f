package io.pipewright.internal.engine;

import io.pipewright.PipewrightException;
import io.pipewright.internal.store.SharedLocks;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Makes a fingerprint computed once when several runs reach it at the same time, in this process or in others sharing
 * the workspace: the first takes the fingerprint's lock and runs the step; the others wait for the lock, then find
 * its outputs and reuse them.
 *
 * <p>Across processes the lock is a one-byte range at an offset derived from the fingerprint, in one of 64 files under
 * the workspace's {@code locks} folder chosen by the fingerprint's first byte (an OS record lock: released by the OS
 * if the process dies, so a killed process never leaves a lock behind). The JDK checks a new lock against every lock
 * the process holds on the same file; spreading them over 64 files keeps that check short when thousands of steps
 * are ready at once. Within this process a semaphore per fingerprint comes first, as the OS does not keep threads of one
 * process apart. Taking a free lock costs two system calls; only a contended one waits, on a thread of its own, never
 * on the scheduler's.
 *
 * <p>With a shared run store (PostgreSQL) the cross-process lock is the store's advisory lock on the fingerprint's
 * first eight bytes instead, held by the store's lock session: then processes on other machines that use the same
 * store wait too. The database drops a dead process's locks with its session.
 *
 * <p>Known limit: two {@code Workspace} instances of one process on the same folder each hold the files open, and the OS
 * drops a process's record locks when any of its descriptors of a file closes; closing one instance can then lift
 * the other's locks early. The cost is at worst a step computed twice, never a wrong output: outputs are stored by
 * content.
 */
final class ComputeLocks implements AutoCloseable {
  private static final long RETRY_MILLIS = 50;

  private static final int STRIPES = 64;

  private final Path folder;
  /** The shared store's locks, used instead of the lock files; null for a workspace's own store. */
  private final SharedLocks shared;
  private final FileChannel[] files = new FileChannel[STRIPES];
  private boolean folderCreated;
  private final ConcurrentHashMap<String, Holder> held = new ConcurrentHashMap<>();
  private final ExecutorService waiters = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "pipewright-lock-wait");
    t.setDaemon(true);
    return t;
  });

  /** A taken lock; release it once the step's outcome, and its cache entry, are recorded. */
  interface Lease {
    void release();
  }

  private static final class Holder {
    final Semaphore semaphore = new Semaphore(1);
    int users;
  }

  ComputeLocks(Path folder, SharedLocks shared) {
    this.folder = folder;
    this.shared = shared;
  }

  /** The lock file of a fingerprint's stripe, opened on first use. */
  private synchronized FileChannel file(String fingerprint) {
    int stripe = Integer.parseInt(fingerprint.substring(fingerprint.indexOf(':') + 1, fingerprint.indexOf(':') + 3),
        16) % STRIPES;
    if (files[stripe] == null) {
      Path path = folder.resolve(String.format("%02x", stripe));
      try {
        if (!folderCreated) {
          java.nio.file.Files.createDirectories(folder);
          folderCreated = true;
        }
        files[stripe] = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ,
            StandardOpenOption.WRITE);
      } catch (IOException e) {
        throw new PipewrightException("cannot open the lock file " + path + ": " + e.getMessage(), e);
      }
    }
    return files[stripe];
  }

  /** The lock at once, or null if another run holds it. */
  Lease tryAcquire(String fingerprint) {
    Holder holder = enter(fingerprint);
    if (!holder.semaphore.tryAcquire()) {
      leave(fingerprint);
      return null;
    }
    CrossProcess lock = tryLockAcross(fingerprint);
    if (lock == null) {
      holder.semaphore.release();
      leave(fingerprint);
      return null;
    }
    return lease(fingerprint, holder, lock);
  }

  /** The lock, once every other holder has released it. */
  CompletableFuture<Lease> acquire(String fingerprint) {
    Lease now = tryAcquire(fingerprint);
    if (now != null) {
      return CompletableFuture.completedFuture(now);
    }
    return CompletableFuture.supplyAsync(() -> {
      Holder holder = enter(fingerprint);
      try {
        holder.semaphore.acquire();
        try {
          while (true) {
            CrossProcess lock = tryLockAcross(fingerprint);
            if (lock != null) {
              return lease(fingerprint, holder, lock);
            }
            TimeUnit.MILLISECONDS.sleep(RETRY_MILLIS); // another process computes it; its lock goes when it does
          }
        } catch (InterruptedException | RuntimeException e) {
          holder.semaphore.release();
          throw e;
        }
      } catch (InterruptedException e) {
        leave(fingerprint);
        Thread.currentThread().interrupt();
        throw new PipewrightException("interrupted while waiting for another run computing the same step", e);
      } catch (RuntimeException e) {
        leave(fingerprint);
        throw e;
      }
    }, waiters);
  }

  /** A lock held across processes: a file lock, or the shared store's advisory lock. */
  private interface CrossProcess {
    void release() throws IOException;
  }

  private Lease lease(String fingerprint, Holder holder, CrossProcess lock) {
    return new Lease() {
      private boolean released;

      @Override
      public synchronized void release() {
        if (released) {
          return;
        }
        released = true;
        try {
          lock.release();
        } catch (IOException | RuntimeException e) {
          // The channel is closed (the workspace is closing): the OS has dropped the lock already.
        }
        holder.semaphore.release();
        leave(fingerprint);
      }
    };
  }

  private CrossProcess tryLockAcross(String fingerprint) {
    if (shared != null) {
      long key = key(fingerprint);
      return shared.tryLock(key) ? () -> shared.unlock(key) : null;
    }
    FileLock lock = tryLockFile(fingerprint);
    return lock == null ? null : lock::release;
  }

  /** The fingerprint's first eight bytes. */
  static long key(String fingerprint) {
    String hex = fingerprint.substring(fingerprint.indexOf(':') + 1, fingerprint.indexOf(':') + 17);
    return ByteBuffer.wrap(HexFormat.of().parseHex(hex)).getLong();
  }

  private FileLock tryLockFile(String fingerprint) {
    try {
      return file(fingerprint).tryLock(offset(fingerprint), 1, false);
    } catch (OverlappingFileLockException e) {
      return null; // another Workspace instance of this process holds it
    } catch (IOException e) {
      throw new PipewrightException("cannot lock the workspace's lock file: " + e.getMessage(), e);
    }
  }

  private Holder enter(String fingerprint) {
    return held.compute(fingerprint, (k, h) -> {
      Holder holder = h == null ? new Holder() : h;
      holder.users++;
      return holder;
    });
  }

  private void leave(String fingerprint) {
    held.computeIfPresent(fingerprint, (k, h) -> --h.users == 0 ? null : h);
  }

  /** A non-negative offset from the fingerprint's bytes 2 to 9: distinct fingerprints, distinct bytes. */
  static long offset(String fingerprint) {
    String hex = fingerprint.substring(fingerprint.indexOf(':') + 3, fingerprint.indexOf(':') + 19);
    return ByteBuffer.wrap(HexFormat.of().parseHex(hex)).getLong() >>> 2;
  }

  @Override
  public synchronized void close() {
    waiters.shutdownNow();
    for (FileChannel file : files) {
      try {
        if (file != null) {
          file.close();
        }
      } catch (IOException e) {
        // closing: the OS drops the locks anyway
      }
    }
  }
}
