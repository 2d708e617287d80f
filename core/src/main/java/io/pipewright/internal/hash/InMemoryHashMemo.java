package io.pipewright.internal.hash;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link HashMemo} in a map, for tests and for tools that need no persistence. Unbounded; thread-safe. Counts the
 * keys asked for and found, so tests can see that the memo was consulted.
 */
public final class InMemoryHashMemo implements HashMemo {
  private final Map<Key, String> hashes = new ConcurrentHashMap<>();
  private final AtomicLong asked = new AtomicLong();
  private final AtomicLong found = new AtomicLong();

  @Override
  public Map<Key, String> load(Collection<Key> keys) {
    Map<Key, String> result = new HashMap<>();
    for (Key key : keys) {
      String hash = hashes.get(key);
      if (hash != null) {
        result.put(key, hash);
      }
    }
    asked.addAndGet(keys.size());
    found.addAndGet(result.size());
    return result;
  }

  @Override
  public void store(Map<Key, String> batch) {
    hashes.putAll(batch);
  }

  /** The number of entries stored. */
  public int size() {
    return hashes.size();
  }

  /** How many keys {@link #load} was asked for, in all calls. */
  public long keysAsked() {
    return asked.get();
  }

  /** How many of the keys asked for it knew. */
  public long keysFound() {
    return found.get();
  }
}
