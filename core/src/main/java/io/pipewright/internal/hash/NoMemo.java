package io.pipewright.internal.hash;

import java.util.Collection;
import java.util.Map;

/** {@link HashMemo#none()}. */
enum NoMemo implements HashMemo {
  INSTANCE;

  @Override
  public Map<Key, String> load(Collection<Key> keys) {
    return Map.of();
  }

  @Override
  public void store(Map<Key, String> hashes) {}
}
