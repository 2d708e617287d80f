package io.pipewright.internal.registry;

import io.pipewright.UserException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Names of registered datasets and models, and references to their versions ({@code name}, {@code name:3}). */
public final class Names {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");
  private static final Pattern REFERENCE = Pattern.compile("([A-Za-z0-9][A-Za-z0-9_.-]*)(?::([A-Za-z0-9][A-Za-z0-9_.-]*))?");

  private Names() {}

  /** A reference split: the name, and a version number, a tag or nothing after the colon. */
  public record Reference(String name, Integer version, String tag) {
    @Override
    public String toString() {
      return name + (version != null ? ":" + version : tag != null ? ":" + tag : "");
    }
  }

  /** @param what {@code dataset} or {@code model} */
  public static void checkName(String what, String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new UserException(what + " name must be letters, digits, '_', '.' or '-' (not starting with '_', '.' or"
          + " '-'), was " + (name == null ? "null" : "'" + name + "'"));
    }
  }

  /** Tags are names that cannot be mistaken for a version: not all digits. */
  public static void checkTag(String tag) {
    if (tag == null || !NAME.matcher(tag).matches() || tag.chars().allMatch(Character::isDigit)) {
      throw new UserException("tag must be letters, digits, '_', '.' or '-', and not a number, was "
          + (tag == null ? "null" : "'" + tag + "'"));
    }
  }

  /** Parses {@code name}, {@code name:VERSION} or (when tags are allowed) {@code name:TAG}, or says what is wrong. */
  public static Reference parse(String what, String reference, boolean tags) {
    Matcher m = reference == null ? null : REFERENCE.matcher(reference.trim());
    if (m == null || !m.matches()) {
      throw new UserException("invalid " + what + " reference " + (reference == null ? "null" : "'" + reference + "'")
          + ": give NAME or NAME:VERSION" + (tags ? " or NAME:TAG" : ""));
    }
    String after = m.group(2);
    if (after == null) {
      return new Reference(m.group(1), null, null);
    }
    if (after.chars().allMatch(Character::isDigit)) {
      try {
        int version = Integer.parseInt(after);
        if (version >= 1) {
          return new Reference(m.group(1), version, null);
        }
      } catch (NumberFormatException e) {
        // too large: no such version
      }
      throw new UserException("invalid " + what + " reference '" + reference + "': versions are 1, 2, ...");
    }
    if (!tags) {
      throw new UserException("invalid " + what + " reference '" + reference + "': give NAME or NAME:VERSION");
    }
    return new Reference(m.group(1), null, after);
  }
}
