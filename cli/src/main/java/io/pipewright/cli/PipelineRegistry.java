package io.pipewright.cli;

import io.pipewright.Pipeline;
import io.pipewright.PipewrightException;
import io.pipewright.UserException;
import io.pipewright.spi.PipelineProvider;
import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * The pipelines a user can name: those of the {@link PipelineProvider}s registered on the classpath (found with
 * {@link ServiceLoader}), and any provider given by its class name. A name registered twice is an error naming both
 * providers; an unknown name is an error listing the known ones and suggesting the closest.
 *
 * <p>Failures of the providers' own code (a constructor or {@code pipeline()} that throws) are reported as
 * {@link PipewrightException}s naming the provider: they are bugs to fix in that code, with its stack trace.
 */
final class PipelineRegistry {
  /** A registered pipeline: its name, one line about it, and the provider that defines it. */
  record Entry(String name, String description, PipelineProvider provider) {
    String providerClass() {
      return provider.getClass().getName();
    }
  }

  private final ClassLoader loader;
  private final List<Entry> entries;

  private PipelineRegistry(ClassLoader loader, List<Entry> entries) {
    this.loader = loader;
    this.entries = entries;
  }

  /** The providers registered with the context class loader (or this class's, if none), sorted by name. */
  static PipelineRegistry load() {
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    if (loader == null) {
      loader = PipelineRegistry.class.getClassLoader();
    }
    List<Entry> entries = new ArrayList<>();
    try {
      for (PipelineProvider provider : ServiceLoader.load(PipelineProvider.class, loader)) {
        entries.add(entry(provider));
      }
    } catch (ServiceConfigurationError e) {
      throw new PipewrightException("cannot load the pipeline providers registered in META-INF/services/"
          + PipelineProvider.class.getName() + ": " + e.getMessage(), e);
    }
    entries.sort(Comparator.comparing(Entry::name).thenComparing(Entry::providerClass));
    return new PipelineRegistry(loader, List.copyOf(entries));
  }

  List<Entry> entries() {
    return entries;
  }

  /**
   * The pipeline of the provider registered as {@code nameOrClass}, or of the provider class of that name.
   *
   * @throws UserException if no provider has that name or class, or two have the name
   */
  Pipeline resolve(String nameOrClass) {
    List<Entry> matches = entries.stream().filter(e -> e.name().equals(nameOrClass)).toList();
    if (matches.size() > 1) {
      throw new UserException("pipeline '" + nameOrClass + "' is registered by " + matches.size() + " providers: "
          + String.join(", ", matches.stream().map(Entry::providerClass).toList())
          + " -- remove all but one from META-INF/services/" + PipelineProvider.class.getName());
    }
    PipelineProvider provider = matches.isEmpty() ? byClassName(nameOrClass) : matches.get(0).provider();
    Pipeline pipeline;
    try {
      pipeline = provider.pipeline();
    } catch (UserException e) {
      throw e;
    } catch (RuntimeException | LinkageError e) {
      throw new PipewrightException("pipeline '" + nameOrClass + "' could not be defined: "
          + provider.getClass().getName() + ".pipeline() threw " + describe(e), e);
    }
    if (pipeline == null) {
      throw new PipewrightException("pipeline '" + nameOrClass + "' could not be defined: "
          + provider.getClass().getName() + ".pipeline() returned null");
    }
    return pipeline;
  }

  private PipelineProvider byClassName(String name) {
    Class<?> type;
    try {
      type = name.contains(".") ? Class.forName(name, true, loader) : null;
    } catch (ClassNotFoundException e) {
      type = null;
    } catch (LinkageError e) {
      throw new PipewrightException("pipeline provider " + name + " could not be loaded: " + describe(e), e);
    }
    if (type == null) {
      throw unknown(name);
    }
    if (!PipelineProvider.class.isAssignableFrom(type)) {
      throw new UserException("class " + name + " is not a pipeline provider: it must implement "
          + PipelineProvider.class.getName());
    }
    try {
      return (PipelineProvider) type.getConstructor().newInstance();
    } catch (NoSuchMethodException | IllegalAccessException | InstantiationException e) {
      throw new UserException("pipeline provider " + name + " cannot be created: it needs to be a public, concrete"
          + " class with a public no-argument constructor", e);
    } catch (InvocationTargetException e) {
      throw new PipewrightException("pipeline provider " + name + " could not be created: its constructor threw "
          + describe(e.getCause()), e.getCause());
    }
  }

  private UserException unknown(String name) {
    if (entries.isEmpty()) {
      return new UserException("unknown pipeline '" + name + "' (none registered) -- register a "
          + PipelineProvider.class.getName() + " in META-INF/services, or give the class name of one");
    }
    List<String> names = entries.stream().map(Entry::name).distinct().toList();
    StringBuilder message = new StringBuilder("unknown pipeline '").append(name).append("' (available: ")
        .append(String.join(", ", names)).append(')');
    String closest = closest(name, names);
    if (closest != null) {
      message.append(" -- did you mean '").append(closest).append("'?");
    }
    return new UserException(message.toString());
  }

  /** The known name nearest to {@code name}, if it is near enough to be a typo: a case slip or a few edits. */
  static String closest(String name, List<String> known) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String candidate : known) {
      int d = candidate.equalsIgnoreCase(name) ? 0
          : distance(name.toLowerCase(Locale.ROOT), candidate.toLowerCase(Locale.ROOT));
      if (d < bestDistance) {
        best = candidate;
        bestDistance = d;
      }
    }
    int allowed = Math.max(1, Math.min(3, name.length() / 3));
    return bestDistance <= allowed ? best : null;
  }

  /** Edits (insert, delete, replace, swap two neighbours) from {@code a} to {@code b}: optimal string alignment. */
  private static int distance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(d[i - 1][j - 1] + cost, Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1));
        if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }

  private static Entry entry(PipelineProvider provider) {
    try {
      String name = provider.name();
      if (name == null || name.isBlank()) {
        throw new PipewrightException("pipeline provider " + provider.getClass().getName() + " has no name: its"
            + " name() returned " + (name == null ? "null" : "'" + name + "'"));
      }
      String description = provider.description();
      return new Entry(name, description == null ? "" : description, provider);
    } catch (PipewrightException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new PipewrightException("pipeline provider " + provider.getClass().getName()
          + " failed to describe itself: " + describe(e), e);
    }
  }

  static String describe(Throwable t) {
    return t.getMessage() == null ? t.getClass().getName() : t.getClass().getSimpleName() + ": " + t.getMessage();
  }
}
