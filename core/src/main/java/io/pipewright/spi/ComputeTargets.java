package io.pipewright.spi;

import io.pipewright.UserException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.TreeSet;

/**
 * Creates compute targets by type, finding their {@link ComputeTargetProvider} with {@link ServiceLoader}:
 * {@code local} and {@code process} are in core; {@code gpu}, {@code spark} and {@code kubernetes} are in the modules
 * {@code io.pipewright:pipewright-compute-gpu}, {@code -compute-spark} and {@code -compute-kubernetes}. A type whose
 * module is known but absent is a one-line {@link UserException} naming the module to add; any other unknown type is
 * one listing the known types. A workspace does this for each target of its config file; adapters' tests may call it
 * directly.
 *
 * <pre>{@code
 * ComputeTarget etl = ComputeTargets.create(new ComputeTargetSettings("etl", "local", Map.of("threads", 4)));
 * }</pre>
 */
public final class ComputeTargets {
  /** Types with a Pipewright module, so that a missing module can be named. */
  private static final Map<String, String> MODULES = Map.of(
      "gpu", "io.pipewright:pipewright-compute-gpu",
      "spark", "io.pipewright:pipewright-compute-spark",
      "kubernetes", "io.pipewright:pipewright-compute-kubernetes");

  private ComputeTargets() {}

  /** Creates a target, finding providers with the thread's context class loader (or this class's loader). */
  public static ComputeTarget create(ComputeTargetSettings settings) {
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    return create(settings, loader != null ? loader : ComputeTargets.class.getClassLoader());
  }

  /** Creates a target, finding providers in {@code loader}. */
  public static ComputeTarget create(ComputeTargetSettings settings, ClassLoader loader) {
    Objects.requireNonNull(settings, "settings");
    String type = settings.type().toLowerCase(Locale.ROOT);
    Map<String, ComputeTargetProvider> providers = providers(loader);
    ComputeTargetProvider provider = providers.get(type);
    if (provider == null) {
      String where = "targets." + settings.name() + ".type: ";
      String module = MODULES.get(type);
      if (module != null) {
        throw new UserException(where + "compute target type '" + type + "' needs the module " + module
            + " -- add it to the classpath (as a Maven dependency)");
      }
      throw new UserException(where + "unknown compute target type '" + settings.type() + "' (known: "
          + String.join(", ", known(providers)) + ")");
    }
    ComputeTarget target = provider.create(settings);
    if (target == null) {
      throw new IllegalStateException(provider.getClass().getName() + " created no target for " + settings);
    }
    return target;
  }

  /** The types that can be created with {@code loader}, sorted. */
  public static java.util.SortedSet<String> known(ClassLoader loader) {
    return known(providers(loader));
  }

  private static TreeSet<String> known(Map<String, ComputeTargetProvider> providers) {
    return new TreeSet<>(providers.keySet());
  }

  private static Map<String, ComputeTargetProvider> providers(ClassLoader loader) {
    Map<String, ComputeTargetProvider> byType = new LinkedHashMap<>();
    for (ComputeTargetProvider provider : ServiceLoader.load(ComputeTargetProvider.class, loader)) {
      String type = provider.type().toLowerCase(Locale.ROOT);
      ComputeTargetProvider other = byType.putIfAbsent(type, provider);
      if (other != null && other.getClass() != provider.getClass()) {
        throw new UserException("two compute target providers for type '" + type + "': "
            + other.getClass().getName() + " and " + provider.getClass().getName()
            + " -- keep one of their modules on the classpath");
      }
    }
    return byType;
  }
}
