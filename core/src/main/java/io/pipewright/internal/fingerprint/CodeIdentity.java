package io.pipewright.internal.fingerprint;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * What a step's code is, for its fingerprint: the class files of the application code it can reach, and the library
 * jars that code uses. Two steps have equal identities exactly when the same code would run.
 *
 * <p>Which classes count as code, and why:
 *
 * <ul>
 *   <li><b>Application code</b> is hashed class by class: the body's class and every class it names, transitively,
 *       that comes from a directory on the classpath (such as {@code target/classes}) or from the same jar as the
 *       body. Editing one of these classes changes its entry and so the fingerprint; editing a class the body cannot
 *       reach changes nothing. A body nested in another class reaches the enclosing class and its other nested
 *       classes (they name each other in the class file), so keep a large pipeline's bodies in top-level classes.
 *   <li><b>Libraries</b>, classes from any other jar, are not followed: the jar is recorded by file name and SHA-256,
 *       so upgrading {@code tribuo-core-4.3.1.jar} to {@code 4.3.2} changes the fingerprint, while the thousands of
 *       classes inside it are never parsed. Jars the code does not use are left out.
 *   <li><b>Left out</b>: the JDK (its version belongs to the environment, not the code) and Pipewright's engine, the
 *       packages {@code io.pipewright}, {@code io.pipewright.spi} and {@code io.pipewright.internal.*} (its behaviour
 *       is covered by the fingerprint's format version). Other {@code io.pipewright.*} packages, such as the ready-made
 *       steps, are code like any other.
 *   <li><b>Missing</b> classes, named but not on the classpath (optional dependencies), are recorded by name: if one
 *       appears later, the code that runs may differ.
 * </ul>
 *
 * <p>A body given as a lambda is a hidden class with no class file; its code is a synthetic method of the class that
 * wrote the lambda, so that class (named in {@link #root()} with a {@code $$Lambda} suffix) is where the walk starts.
 * The values a lambda captures are data, not code, and are not part of this identity. Classes named only through
 * reflection ({@code Class.forName("...")}, service loading) are not found.
 *
 * <p>Immutable; {@link #classes()}, {@link #libraries()} and {@link #missing()} are sorted, so equal code gives an
 * equal identity in any process. Build one with {@link CodeIdentityResolver}, which caches what it parses.
 *
 * @param root the body's class name; for a lambda, the class that wrote it followed by {@code $$Lambda}
 * @param classes application classes by binary name, each with the SHA-256 (lowercase hex) of its class file
 * @param libraries library jars by file name (by absolute path where two jars share a file name), each with the
 *     checksum the jar hasher gave
 * @param missing binary names of classes that are named but cannot be found
 */
public record CodeIdentity(String root, SortedMap<String, String> classes, SortedMap<String, String> libraries,
    SortedSet<String> missing) {

  private static final Pattern VERSION = Pattern.compile("-\\d.*$");

  public CodeIdentity {
    Objects.requireNonNull(root, "root");
    classes = Collections.unmodifiableSortedMap(new TreeMap<>(classes));
    libraries = Collections.unmodifiableSortedMap(new TreeMap<>(libraries));
    missing = Collections.unmodifiableSortedSet(new TreeSet<>(missing));
  }

  /**
   * The identity of a body's code, computed afresh; to identify many steps, hold a {@link CodeIdentityResolver},
   * which parses each class once.
   *
   * @param bodyType the class of the step's body, as {@code Step.bodyType()} gives it
   * @param jarHasher the checksum of a library jar
   * @throws IllegalArgumentException if the body's own class file cannot be read (a proxy or a class generated at run
   *     time): its code cannot be identified
   */
  public static CodeIdentity of(Class<?> bodyType, Function<Path, String> jarHasher) {
    return new CodeIdentityResolver(jarHasher).identify(bodyType);
  }

  /**
   * How this code differs from an earlier identity, one line per difference, sorted, for example {@code code: class
   * com.acme.TrainDigits changed} or {@code library: tribuo-core-4.3.1.jar -> tribuo-core-4.3.2.jar}; empty if
   * they are equal. A jar removed and one added with the same name but for its version are shown as one upgrade.
   */
  public List<String> changesSince(CodeIdentity before) {
    List<String> changes = new ArrayList<>();
    if (!root.equals(before.root)) {
      changes.add("code: body " + before.root + " -> " + root);
    }
    diff(before.classes, classes, changes, "code: class ");
    for (String name : before.missing) {
      if (!missing.contains(name)) {
        changes.add("code: class " + name + " was missing, found now");
      }
    }
    for (String name : missing) {
      if (!before.missing.contains(name)) {
        changes.add("code: class " + name + " is missing now");
      }
    }
    List<String> jarChanges = new ArrayList<>();
    diff(before.libraries, libraries, jarChanges, "library: ");
    changes.addAll(pairUpgrades(before.libraries, libraries, jarChanges));
    Collections.sort(changes);
    return changes;
  }

  private static void diff(Map<String, String> before, Map<String, String> after, List<String> out, String prefix) {
    for (Map.Entry<String, String> entry : after.entrySet()) {
      String old = before.get(entry.getKey());
      if (old == null) {
        out.add(prefix + entry.getKey() + " added");
      } else if (!old.equals(entry.getValue())) {
        out.add(prefix + entry.getKey() + " changed");
      }
    }
    for (String name : before.keySet()) {
      if (!after.containsKey(name)) {
        out.add(prefix + name + " removed");
      }
    }
  }

  private static List<String> pairUpgrades(Map<String, String> before, Map<String, String> after,
      List<String> changes) {
    Map<String, List<String>> removed = byArtifact(before.keySet(), after);
    Map<String, List<String>> added = byArtifact(after.keySet(), before);
    List<String> result = new ArrayList<>(changes);
    for (Map.Entry<String, List<String>> entry : removed.entrySet()) {
      List<String> replacements = added.get(entry.getKey());
      if (entry.getValue().size() == 1 && replacements != null && replacements.size() == 1) {
        String from = entry.getValue().get(0);
        String to = replacements.get(0);
        result.remove("library: " + from + " removed");
        result.remove("library: " + to + " added");
        result.add("library: " + from + " -> " + to);
      }
    }
    return result;
  }

  /** The jars of {@code names} not in {@code other}, by their name without version: {@code tribuo-core}. */
  private static Map<String, List<String>> byArtifact(Iterable<String> names, Map<String, String> other) {
    Map<String, List<String>> result = new HashMap<>();
    for (String name : names) {
      if (!other.containsKey(name)) {
        String base = Path.of(name).getFileName().toString().replaceFirst("\\.jar$", "");
        result.computeIfAbsent(VERSION.matcher(base).replaceFirst(""), k -> new ArrayList<>()).add(name);
      }
    }
    return result;
  }
}
