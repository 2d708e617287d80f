package io.pipewright.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pipewright.UserException;
import org.junit.jupiter.api.Test;

class DatastoreKeysTest {
  @Test
  void acceptsRelativePathsWithAnyOrdinaryCharacters() {
    for (String key : new String[] {"a", "a/b/c.txt", "with space/x", "naïve/☃", "a:b", "...", "a/.hidden", "..x",
        "x".repeat(DatastoreKeys.MAX_LENGTH)}) {
      assertThat(DatastoreKeys.check(key)).isEqualTo(key);
      assertThat(DatastoreKeys.isValid(key)).isTrue();
    }
  }

  @Test
  void refusesEachBadKeyWithItsReason() {
    assertRefused("", "invalid datastore key '': empty");
    assertRefused(null, "invalid datastore key null: a key is needed");
    assertRefused("/etc/passwd", "invalid datastore key '/etc/passwd': absolute: give a path relative to the "
        + "datastore's root");
    assertRefused("C:/x", "invalid datastore key 'C:/x': absolute (a drive letter): give a path relative to the "
        + "datastore's root");
    assertRefused("a/../../b", "invalid datastore key 'a/../../b': '..' would leave the datastore's root");
    assertRefused("./a", "invalid datastore key './a': '.' segment: give the path without it");
    assertRefused("a\0b", "invalid datastore key 'a\\0b': contains a NUL byte");
    assertRefused("a\u001bb", "invalid datastore key 'a\\u001bb': contains a control character");
    assertRefused("a\\b", "invalid datastore key 'a\\b': contains a backslash: separate segments with '/'");
    assertRefused("a//b", "invalid datastore key 'a//b': empty segment (a leading, trailing or doubled '/')");
    assertRefused("a/", "invalid datastore key 'a/': empty segment (a leading, trailing or doubled '/')");
    assertRefused("x/.pipewright-partial-1", "invalid datastore key 'x/.pipewright-partial-1': segments starting "
        + "with '.pipewright' are reserved for the datastore's own files");
    assertRefused("y".repeat(1025), "invalid datastore key '" + "y".repeat(1025) + "': longer than 1024 "
        + "characters (1025)");
  }

  @Test
  void acceptsAnEmptyPrefixAndOneTrailingSlash() {
    assertThat(DatastoreKeys.checkPrefix("")).isEmpty();
    assertThat(DatastoreKeys.checkPrefix("a/b")).isEqualTo("a/b");
    assertThat(DatastoreKeys.checkPrefix("a/b/")).isEqualTo("a/b");
    assertThatThrownBy(() -> DatastoreKeys.checkPrefix("/")).hasMessage("invalid datastore prefix '/': empty");
    assertThatThrownBy(() -> DatastoreKeys.checkPrefix("a//"))
        .hasMessage("invalid datastore prefix 'a//': empty segment (a leading, trailing or doubled '/')");
  }

  private static void assertRefused(String key, String message) {
    assertThatThrownBy(() -> DatastoreKeys.check(key)).isInstanceOf(UserException.class).hasMessage(message);
    assertThat(DatastoreKeys.isValid(key)).isFalse();
  }
}
