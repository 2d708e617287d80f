package io.pipewright.spi;

import io.pipewright.UserException;

/**
 * The one place where datastore keys are checked, the same for every datastore, so that a key valid in one is valid
 * in all and a set of objects can move between them.
 *
 * <p>A key is a relative path of one or more segments separated by {@code /}, at most {@value #MAX_LENGTH}
 * characters. Refused, each with a one-line {@link UserException} naming the key:
 * <ul>
 *   <li>an empty key, an absolute one ({@code /a}, {@code C:/a}), a leading, trailing or doubled {@code /};
 *   <li>{@code .} and {@code ..} segments: nothing may escape the datastore's root, and no key has two spellings;
 *   <li>a backslash (a separator on Windows), a NUL byte or any other control character;
 *   <li>segments starting with {@code .pipewright}, reserved for the datastores' own files (such as the local folder's
 *       partial writes).
 * </ul>
 * Anything else is taken as it is: spaces, {@code :}, non-ASCII letters. Keys are case-sensitive; on a
 * case-insensitive file system two keys that differ only in case name one file.
 */
public final class DatastoreKeys {
  /** Azure's limit for a blob name, so the longest key still fits under a short prefix there. */
  public static final int MAX_LENGTH = 1024;
  /** Segments starting with this are the datastores' own. */
  public static final String RESERVED = ".pipewright";

  private DatastoreKeys() {}

  /**
   * Checks a key.
   *
   * @return the key
   * @throws UserException naming the key and what is wrong with it
   */
  public static String check(String key) {
    String problem = problem(key);
    if (problem != null) {
      throw new UserException("invalid datastore key " + quote(key) + ": " + problem);
    }
    return key;
  }

  /**
   * Checks a listing prefix: empty (everything), or a key, optionally with one trailing {@code /}.
   *
   * @return the prefix without its trailing {@code /}
   */
  public static String checkPrefix(String prefix) {
    if (prefix == null) {
      throw new UserException("invalid datastore prefix null: give \"\" to list everything");
    }
    if (prefix.isEmpty()) {
      return "";
    }
    String bare = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
    String problem = problem(bare);
    if (problem != null) {
      throw new UserException("invalid datastore prefix " + quote(prefix) + ": " + problem);
    }
    return bare;
  }

  /** Whether {@code key} is a valid key. */
  public static boolean isValid(String key) {
    return problem(key) == null;
  }

  /**
   * A key quoted for a one-line message: in single quotes, with control characters escaped ({@code \0}, {@code \n},
   * {@code \u001b}) and {@code null} as {@code null}.
   */
  public static String quote(String key) {
    if (key == null) {
      return "null";
    }
    StringBuilder quoted = new StringBuilder(key.length() + 2).append('\'');
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      switch (c) {
        case '\0' -> quoted.append("\\0");
        case '\n' -> quoted.append("\\n");
        case '\r' -> quoted.append("\\r");
        case '\t' -> quoted.append("\\t");
        default -> {
          if (Character.isISOControl(c)) {
            quoted.append(String.format("\\u%04x", (int) c));
          } else {
            quoted.append(c);
          }
        }
      }
    }
    return quoted.append('\'').toString();
  }

  /** What is wrong with the key, or null if nothing is. */
  private static String problem(String key) {
    if (key == null) {
      return "a key is needed";
    }
    if (key.isEmpty()) {
      return "empty";
    }
    if (key.length() > MAX_LENGTH) {
      return "longer than " + MAX_LENGTH + " characters (" + key.length() + ")";
    }
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c == '\0') {
        return "contains a NUL byte";
      }
      if (Character.isISOControl(c)) {
        return "contains a control character";
      }
      if (c == '\\') {
        return "contains a backslash: separate segments with '/'";
      }
    }
    if (key.startsWith("/")) {
      return "absolute: give a path relative to the datastore's root";
    }
    if (key.length() >= 2 && key.charAt(1) == ':' && Character.isLetter(key.charAt(0))
        && (key.length() == 2 || key.charAt(2) == '/')) {
      return "absolute (a drive letter): give a path relative to the datastore's root";
    }
    for (String segment : key.split("/", -1)) {
      if (segment.isEmpty()) {
        return "empty segment (a leading, trailing or doubled '/')";
      }
      if (segment.equals("..")) {
        return "'..' would leave the datastore's root";
      }
      if (segment.equals(".")) {
        return "'.' segment: give the path without it";
      }
      if (segment.startsWith(RESERVED)) {
        return "segments starting with '" + RESERVED + "' are reserved for the datastore's own files";
      }
    }
    return null;
  }
}
