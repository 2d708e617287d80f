package io.pipewright.spi;

import io.pipewright.UserException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Opens datastores by location, finding their {@link DatastoreProvider} by URI scheme with {@link ServiceLoader}:
 *
 * <ul>
 *   <li>a plain path ({@code data}, {@code /srv/ml}) or a {@code file:} URI: a local folder, in core;
 *   <li>{@code azureblob://account/container/prefix}: Azure Blob Storage, in the module
 *       {@code io.pipewright:pipewright-datastore-azure-blob}.
 * </ul>
 *
 * Every datastore opened here checks each key with {@link DatastoreKeys} before its adapter sees it. An unknown
 * scheme, or a known one whose module is not on the classpath, is a one-line {@link UserException} saying what to
 * add; two providers of one scheme is an error naming both.
 *
 * <pre>{@code
 * Datastore local = Datastores.open("/srv/ml/data");
 * Datastore azure = Datastores.open("azureblob://acct/ml/digits", Map.of("endpoint", "http://127.0.0.1:10000/acct"));
 * }</pre>
 */
public final class Datastores {
  /** Schemes with a Pipewright module, so that a missing module can be named. */
  private static final Map<String, String> MODULES = Map.of(
      "azureblob", "io.pipewright:pipewright-datastore-azure-blob");
  private static final Pattern SCHEME = Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*):.*", Pattern.DOTALL);

  private Datastores() {}

  /** Opens the datastore at {@code location} with no settings: credentials come from the environment. */
  public static Datastore open(String location) {
    return open(location, Map.of());
  }

  /**
   * Opens the datastore at {@code location}, finding providers with the thread's context class loader (or this
   * class's loader).
   *
   * @param settings adapter settings such as credentials and endpoints (see each adapter); never logged
   */
  public static Datastore open(String location, Map<String, String> settings) {
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    return open(location, settings, loader != null ? loader : Datastores.class.getClassLoader());
  }

  /** Opens the datastore at {@code location}, finding providers in {@code loader}. */
  public static Datastore open(String location, Map<String, String> settings, ClassLoader loader) {
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(loader, "loader");
    URI uri = parse(location);
    Map<String, DatastoreProvider> providers = providers(loader);
    DatastoreProvider provider = providers.get(uri.getScheme());
    if (provider == null) {
      String module = MODULES.get(uri.getScheme());
      if (module != null) {
        throw new UserException("datastore " + safe(uri) + " needs the module " + module
            + " -- add it to the classpath (as a Maven dependency)");
      }
      throw new UserException("no datastore for scheme '" + uri.getScheme() + "' in " + safe(uri) + " (known: "
          + String.join(", ", new TreeSet<>(providers.keySet())) + ") -- add the module that provides it");
    }
    return checked(provider.open(uri, Map.copyOf(settings)));
  }

  /** Opens a local folder as a datastore (created on the first write). */
  public static Datastore local(Path root) {
    return open(root.toAbsolutePath().normalize().toUri().toString(), Map.of(),
        Datastores.class.getClassLoader());
  }

  /**
   * Wraps a datastore so that every key is checked with {@link DatastoreKeys} before it is used. {@link #open}
   * does this already; an adapter's tests may use it on an instance made directly.
   */
  public static Datastore checked(Datastore datastore) {
    return datastore instanceof KeyCheckingDatastore ? datastore : new KeyCheckingDatastore(datastore);
  }

  private static URI parse(String location) {
    if (location == null || location.isBlank()) {
      throw new UserException("datastore location is empty: give a folder or a URI such as azureblob://acct/ctr");
    }
    var matcher = SCHEME.matcher(location);
    // A one-letter scheme is a Windows drive (C:\data), so a path.
    if (!matcher.matches() || matcher.group(1).length() == 1) {
      try {
        return Path.of(location).toAbsolutePath().normalize().toUri();
      } catch (InvalidPathException e) {
        throw new UserException("datastore location '" + location + "' is not a valid path: " + e.getReason(), e);
      }
    }
    try {
      URI uri = new URI(location);
      String scheme = uri.getScheme().toLowerCase(java.util.Locale.ROOT);
      return new URI(scheme + ":" + uri.getRawSchemeSpecificPart()
          + (uri.getRawFragment() == null ? "" : "#" + uri.getRawFragment()));
    } catch (URISyntaxException e) {
      throw new UserException("datastore location is not a valid URI (" + e.getReason() + " at index "
          + e.getIndex() + ") -- percent-encode special characters", e);
    }
  }

  /** The URI without user info, query or fragment: they may hold secrets. */
  private static String safe(URI uri) {
    if (uri.isOpaque()) {
      return uri.getScheme() + ":...";
    }
    return uri.getScheme() + "://" + (uri.getHost() == null ? "" : uri.getHost())
        + (uri.getPort() < 0 ? "" : ":" + uri.getPort()) + (uri.getRawPath() == null ? "" : uri.getRawPath());
  }

  private static Map<String, DatastoreProvider> providers(ClassLoader loader) {
    Map<String, DatastoreProvider> byScheme = new LinkedHashMap<>();
    for (DatastoreProvider provider : ServiceLoader.load(DatastoreProvider.class, loader)) {
      String scheme = provider.scheme().toLowerCase(java.util.Locale.ROOT);
      DatastoreProvider other = byScheme.putIfAbsent(scheme, provider);
      if (other != null && other.getClass() != provider.getClass()) {
        throw new UserException("two datastore providers for scheme '" + scheme + "': "
            + other.getClass().getName() + " and " + provider.getClass().getName()
            + " -- keep one of their modules on the classpath");
      }
    }
    return byScheme;
  }
}
