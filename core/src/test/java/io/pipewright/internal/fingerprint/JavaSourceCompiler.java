package io.pipewright.internal.fingerprint;

import static org.assertj.core.api.Assertions.assertThat;

import io.pipewright.StepBody;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;

/** Compiles Java sources at test time, packs them into jars and loads them, so tests can change real classes. */
final class JavaSourceCompiler {
  /** Jar entries get a fixed time, so that equal classes give byte-equal jars. */
  private static final long FIXED_TIME = 946_684_800_000L;

  private JavaSourceCompiler() {}

  /**
   * Compiles sources (by fully qualified class name; {@code module-info} for a module descriptor) into {@code out},
   * against Pipewright's core classes and {@code classpath}.
   */
  static Path compile(Path out, Map<String, String> sources, Path... classpath) {
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    List<JavaFileObject> units = new ArrayList<>();
    for (Map.Entry<String, String> source : sources.entrySet()) {
      URI uri = URI.create("string:///" + source.getKey().replace('.', '/') + ".java");
      units.add(new SimpleJavaFileObject(uri, JavaFileObject.Kind.SOURCE) {
        @Override
        public CharSequence getCharContent(boolean ignoreEncodingErrors) {
          return source.getValue();
        }
      });
    }
    String path = Stream.concat(Stream.of(coreClasses()), Stream.of(classpath))
        .map(Path::toString).collect(Collectors.joining(File.pathSeparator));
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    List<String> options = List.of("-d", out.toString(), "--release", "17", "-proc:none", "-classpath", path);
    try {
      Files.createDirectories(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    boolean compiled = javac.getTask(null, null, diagnostics, options, null, units).call();
    assertThat(compiled).as("compilation: %s", diagnostics.getDiagnostics()).isTrue();
    return out;
  }

  /** Packs a folder of classes into a jar, entries in sorted order. */
  static Path jar(Path jar, Path classes) {
    try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file);
        Stream<Path> walk = Files.walk(classes)) {
      for (Path path : walk.filter(Files::isRegularFile).sorted().collect(Collectors.toList())) {
        JarEntry entry = new JarEntry(classes.relativize(path).toString().replace('\\', '/'));
        entry.setTime(FIXED_TIME);
        out.putNextEntry(entry);
        out.write(Files.readAllBytes(path));
        out.closeEntry();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return jar;
  }

  /** A fresh loader over folders and jars, whose parent has Pipewright (so that StepBody is the same type). */
  static URLClassLoader loader(Path... entries) {
    URL[] urls = Stream.of(entries).map(JavaSourceCompiler::url).toArray(URL[]::new);
    return new URLClassLoader(urls, JavaSourceCompiler.class.getClassLoader());
  }

  static Class<?> load(ClassLoader loader, String name) {
    try {
      return Class.forName(name, false, loader);
    } catch (ClassNotFoundException e) {
      throw new AssertionError(e);
    }
  }

  private static Path coreClasses() {
    try {
      return Path.of(StepBody.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static URL url(Path path) {
    try {
      return path.toUri().toURL();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
