package io.pipewright.internal.fingerprint;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Computes {@link CodeIdentity CodeIdentities}, remembering what it learnt about each class, so that identifying a
 * thousand steps built from the same classes locates and parses each class once.
 *
 * <p>The walk starts at the body's class (for a lambda, the class that wrote it) and follows every class a class file
 * names ({@link ClassFile#referencedClasses()}). Each named class is looked up through the body's class loader, and
 * where its class file comes from decides what it is:
 *
 * <ul>
 *   <li>a {@code java.*} name, or a class file in the runtime image ({@code jrt:}): the JDK, skipped;
 *   <li>a class in the packages {@code io.pipewright}, {@code io.pipewright.spi}, {@code io.pipewright.internal} or
 *       below it: Pipewright's engine, skipped, wherever it comes from;
 *   <li>a class file in a directory ({@code file:}), in the body's own jar, or behind any other kind of URL (an
 *       application server's, say): application code, hashed and followed;
 *   <li>a class file in another jar: a library; the jar is recorded, the class is not followed;
 *   <li>no class file: missing, recorded by name.
 * </ul>
 *
 * <p>Cached per class loader, held weakly so that a discarded loader and its classes can be collected, and per class
 * name: where its class file is, and for application classes, its hash and the classes it names. A loader's classes
 * cannot change once loaded, so neither can these. Library jars are hashed by the {@code jarHasher}, once per jar
 * and identification: give it a memoising hasher when identifying many steps.
 *
 * <p>Thread-safe.
 */
public final class CodeIdentityResolver {
  private static final String LAMBDA_MARKER = "$$Lambda";

  private final Function<Path, String> jarHasher;
  private final Cache<ClassLoader, LoaderClasses> byLoader = Caffeine.newBuilder().weakKeys().build();

  /** A resolver that hashes library jars with {@link #sha256(Path)} each time one is needed. */
  public CodeIdentityResolver() {
    this(CodeIdentityResolver::sha256);
  }

  /** A resolver that asks {@code jarHasher} for the checksum of each library jar, such as a memoising file hasher. */
  public CodeIdentityResolver(Function<Path, String> jarHasher) {
    this.jarHasher = Objects.requireNonNull(jarHasher, "jarHasher");
  }

  /**
   * The identity of the code of a step body.
   *
   * @param bodyType the class of the body: a class, an anonymous or local class, or a lambda's hidden class
   * @throws IllegalArgumentException if the body's own class file cannot be read (a proxy, a hidden class that is not
   *     a lambda, a class generated at run time): its code cannot be identified
   * @throws UncheckedIOException if a class file or a jar cannot be read
   */
  public CodeIdentity identify(Class<?> bodyType) {
    Objects.requireNonNull(bodyType, "bodyType");
    if (bodyType.isArray() || bodyType.isPrimitive()) {
      throw new IllegalArgumentException("not a step body class: " + bodyType.getName());
    }
    String start = bodyType.getName();
    String root = start;
    if (bodyType.isHidden()) {
      int lambda = start.indexOf(LAMBDA_MARKER);
      if (lambda < 0) {
        throw new IllegalArgumentException("cannot identify the code of " + start
            + ": a hidden class that is not a lambda has no class file to read");
      }
      start = start.substring(0, lambda);
      root = start + LAMBDA_MARKER;
    }
    ClassLoader loader = bodyType.getClassLoader();
    if (loader == null || isJdk(start) || isEngine(start)) {
      return new CodeIdentity(root, new TreeMap<>(), new TreeMap<>(), new TreeSet<>());
    }
    LoaderClasses known = byLoader.get(loader, unused -> new LoaderClasses());
    Location rootLocation = known.locate(loader, start);
    if (rootLocation.kind == Kind.MISSING) {
      throw new IllegalArgumentException("cannot identify the code of " + bodyType.getName() + ": its class loader "
          + "has no class file " + resourceName(start) + " (a proxy or a class generated at run time?)");
    }
    Path applicationJar = rootLocation.jar;

    TreeMap<String, String> classes = new TreeMap<>();
    Set<Path> jars = new HashSet<>();
    TreeSet<String> missing = new TreeSet<>();
    Set<String> seen = new HashSet<>(List.of(start));
    ArrayDeque<String> pending = new ArrayDeque<>(seen);
    while (!pending.isEmpty()) {
      String name = pending.poll();
      if (isJdk(name) || isEngine(name)) {
        continue;
      }
      Location location = known.locate(loader, name);
      switch (location.kind) {
        case JDK -> { }
        case MISSING -> missing.add(name);
        case JAR, DIRECTORY, OTHER -> {
          if (location.kind == Kind.JAR && !location.jar.equals(applicationJar)) {
            jars.add(location.jar);
            continue;
          }
          Parsed parsed = known.parse(loader, name);
          if (parsed == null) {
            missing.add(name);
            continue;
          }
          classes.put(name, parsed.sha256);
          for (String referenced : parsed.references) {
            if (seen.add(referenced)) {
              pending.add(referenced);
            }
          }
        }
      }
    }
    return new CodeIdentity(root, classes, libraries(jars), missing);
  }

  /** The SHA-256 of a file's content, in lowercase hex, read as a stream. */
  public static String sha256(Path file) {
    MessageDigest digest = newSha256();
    byte[] buffer = new byte[64 * 1024];
    try (InputStream in = Files.newInputStream(file)) {
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        digest.update(buffer, 0, n);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + " to hash it", e);
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  private TreeMap<String, String> libraries(Set<Path> jars) {
    Map<String, List<Path>> byFileName = jars.stream()
        .collect(Collectors.groupingBy(jar -> jar.getFileName().toString()));
    TreeMap<String, String> libraries = new TreeMap<>();
    for (Map.Entry<String, List<Path>> entry : byFileName.entrySet()) {
      List<Path> sameName = entry.getValue();
      for (Path jar : sameName) {
        // Two jars with one file name (two versions in different folders) must both show, so they go by path.
        String key = sameName.size() == 1 ? entry.getKey() : jar.toAbsolutePath().toString();
        libraries.put(key, Objects.requireNonNull(jarHasher.apply(jar), () -> "the jar hasher gave null for " + jar));
      }
    }
    return libraries;
  }

  private static boolean isJdk(String name) {
    return name.startsWith("java."); // only the boot and platform loaders may define java.* classes
  }

  private static boolean isEngine(String name) {
    int dot = name.lastIndexOf('.');
    String pkg = dot < 0 ? "" : name.substring(0, dot);
    return pkg.equals("io.pipewright") || pkg.equals("io.pipewright.spi") || pkg.equals("io.pipewright.internal")
        || pkg.startsWith("io.pipewright.internal.");
  }

  private static String resourceName(String className) {
    return className.replace('.', '/') + ".class";
  }

  private static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  private enum Kind { JDK, DIRECTORY, JAR, OTHER, MISSING }

  /** Where a class file comes from; {@code jar} is set for {@link Kind#JAR}. */
  private record Location(Kind kind, Path jar) {
    static final Location JDK = new Location(Kind.JDK, null);
    static final Location DIRECTORY = new Location(Kind.DIRECTORY, null);
    static final Location OTHER = new Location(Kind.OTHER, null);
    static final Location MISSING = new Location(Kind.MISSING, null);
  }

  private record Parsed(String sha256, Set<String> references) {}

  /** What is known about the classes of one loader; it must not refer to the loader, which is a weak key. */
  private static final class LoaderClasses {
    private final ConcurrentMap<String, Location> locations = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Parsed> parsed = new ConcurrentHashMap<>();

    Location locate(ClassLoader loader, String name) {
      return locations.computeIfAbsent(name, n -> locationOf(loader.getResource(resourceName(n))));
    }

    /** The hash and references of an application class; {@code null} if its class file vanished. */
    Parsed parse(ClassLoader loader, String name) {
      return parsed.computeIfAbsent(name, n -> read(loader, n));
    }

    private static Location locationOf(URL url) {
      if (url == null) {
        return Location.MISSING;
      }
      switch (url.getProtocol()) {
        case "jrt":
          return Location.JDK;
        case "file":
          return Location.DIRECTORY;
        case "jar":
          Path jar = jarFile(url);
          return jar == null ? Location.OTHER : new Location(Kind.JAR, jar);
        default:
          return Location.OTHER;
      }
    }

    /** The local jar of a {@code jar:file:/path/lib.jar!/com/acme/Foo.class} URL; {@code null} if not local. */
    private static Path jarFile(URL url) {
      String spec = url.getPath();
      int separator = spec.indexOf("!/");
      if (separator < 0 || !spec.startsWith("file:")) {
        return null;
      }
      String location = spec.substring(0, separator);
      try {
        return Path.of(new URI(location)).toAbsolutePath().normalize();
      } catch (URISyntaxException e) {
        // A loader given an unescaped URL (new File(...).toURL()) reports it as it was given.
        try {
          return Path.of(location.substring("file:".length())).toAbsolutePath().normalize();
        } catch (InvalidPathException invalid) {
          return null;
        }
      } catch (IllegalArgumentException | FileSystemNotFoundException e) {
        return null;
      }
    }

    private static Parsed read(ClassLoader loader, String name) {
      byte[] bytes;
      try (InputStream in = loader.getResourceAsStream(resourceName(name))) {
        if (in == null) {
          return null;
        }
        bytes = in.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read the class file of " + name, e);
      }
      ClassFile classFile;
      try {
        classFile = ClassFile.parse(bytes);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("class " + name + ": " + e.getMessage(), e);
      }
      return new Parsed(HexFormat.of().formatHex(newSha256().digest(bytes)),
          Set.copyOf(classFile.referencedClasses()));
    }
  }
}
