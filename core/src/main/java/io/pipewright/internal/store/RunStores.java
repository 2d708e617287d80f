package io.pipewright.internal.store;

import io.pipewright.PipewrightException;
import io.pipewright.UserException;
import io.pipewright.spi.RunStoreProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeSet;

/** Opens a run store from its URL through the {@link RunStoreProvider} of the URL's scheme. */
public final class RunStores {
  /** Modules that provide a scheme, for the hint when none is on the classpath. */
  private static final Map<String, String> MODULES = Map.of(
      "jdbc:postgresql", "io.pipewright:pipewright-runstore-postgresql");

  private RunStores() {}

  /**
   * The provider of {@code url}'s scheme among {@code providers} (the explicit one, if given, wins), or one line
   * saying what to add.
   */
  public static RunStoreProvider provider(String url, RunStoreProvider explicit) {
    if (explicit != null) {
      return explicit;
    }
    String scheme = scheme(url);
    List<RunStoreProvider> found = new ArrayList<>();
    TreeSet<String> known = new TreeSet<>();
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    for (RunStoreProvider provider : ServiceLoader.load(RunStoreProvider.class,
        loader != null ? loader : RunStores.class.getClassLoader())) {
      known.add(provider.scheme());
      if (provider.scheme().equalsIgnoreCase(scheme)) {
        found.add(provider);
      }
    }
    if (found.size() > 1) {
      throw new UserException("run store " + RunStoreProvider.masked(url) + ": two providers of " + scheme + ": "
          + found.get(0).getClass().getName() + " and " + found.get(1).getClass().getName()
          + " -- keep one of them on the classpath");
    }
    if (found.isEmpty()) {
      String module = MODULES.get(scheme.toLowerCase(java.util.Locale.ROOT));
      if (module != null) {
        throw new UserException("run store " + RunStoreProvider.masked(url) + ": no provider of " + scheme
            + " -- add " + module + " to the classpath");
      }
      throw new UserException("run store " + RunStoreProvider.masked(url) + ": unknown scheme '" + scheme
          + "' (known: " + (known.isEmpty() ? "none" : String.join(", ", known))
          + ") -- give a jdbc:postgresql:// URL, or none for the workspace's own SQLite file");
    }
    return found.get(0);
  }

  /** Opens the store at {@code url} and brings its schema up to date. */
  public static JdbcRunStore open(String url, RunStoreProvider explicit) {
    RunStoreProvider provider = provider(url, explicit);
    io.pipewright.spi.RunStoreDatabase database;
    try {
      database = provider.open(url);
    } catch (UserException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new PipewrightException("run store " + RunStoreProvider.masked(url) + ": " + provider.getClass().getName()
          + " cannot open it: " + RunStoreProvider.masked(e.getMessage()), e);
    }
    return JdbcRunStore.open(database);
  }

  /** {@code jdbc:postgresql} of {@code jdbc:postgresql://host/db}; {@code s3} of {@code s3://b}. */
  static String scheme(String url) {
    int colon = url.indexOf(':');
    if (colon < 0) {
      throw new UserException("run store '" + RunStoreProvider.masked(url) + "' is not a URL -- give one such as"
          + " jdbc:postgresql://host:5432/db, or none for the workspace's own SQLite file");
    }
    if (url.regionMatches(true, 0, "jdbc:", 0, 5)) {
      int next = url.indexOf(':', 5);
      return next < 0 ? url : url.substring(0, next);
    }
    return url.substring(0, colon);
  }
}
