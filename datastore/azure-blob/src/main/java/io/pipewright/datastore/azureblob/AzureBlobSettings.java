package io.pipewright.datastore.azureblob;

import io.pipewright.UserException;
import io.pipewright.spi.DatastoreKeys;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Where an {@code azureblob://account/container/prefix} datastore is and how to reach it: the URI's parts, the
 * credentials (from the caller's settings or the environment) and the transfer settings. {@link #toString()} and
 * every message name where the credentials came from, never their value.
 */
final class AzureBlobSettings {
  static final String CONNECTION_STRING = "connectionString";
  static final String ACCOUNT_KEY = "accountKey";
  static final String CONNECTION_STRING_ENV = "connectionStringEnv";
  static final String ACCOUNT_KEY_ENV = "accountKeyEnv";
  static final String ENDPOINT = "endpoint";
  static final String BLOCK_SIZE = "blockSize";
  static final String PARALLELISM = "parallelism";
  static final String MAX_TRIES = "maxTries";
  static final Set<String> KNOWN = Set.of(CONNECTION_STRING, ACCOUNT_KEY, CONNECTION_STRING_ENV, ACCOUNT_KEY_ENV,
      ENDPOINT, BLOCK_SIZE, PARALLELISM, MAX_TRIES);
  /** Settings whose values are secrets: never in a URI, never in a message. */
  private static final Set<String> SECRET = Set.of(CONNECTION_STRING, ACCOUNT_KEY);

  static final String ENV_CONNECTION_STRING = "AZURE_STORAGE_CONNECTION_STRING";
  static final String ENV_ACCOUNT = "AZURE_STORAGE_ACCOUNT";
  static final String ENV_KEY = "AZURE_STORAGE_KEY";

  static final int DEFAULT_BLOCK_SIZE = 4 * 1024 * 1024;
  static final int MAX_BLOCK_SIZE = 256 * 1024 * 1024;
  static final int DEFAULT_PARALLELISM = 4;
  static final int DEFAULT_MAX_TRIES = 4;

  private static final Pattern ACCOUNT = Pattern.compile("[a-z0-9]{3,24}");
  private static final Pattern CONTAINER = Pattern.compile("[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]");

  final URI uri;
  final String account;
  final String container;
  /** The blob name prefix, without a trailing '/'; empty for the container's root. */
  final String prefix;
  /** Exactly one of connectionString and accountKey is set. */
  final String connectionString;
  final String accountKey;
  /** Where the credentials came from, for messages: "environment variable AZURE_STORAGE_KEY". */
  final String credentialSource;
  /** The blob service endpoint, or null to take it from the connection string. */
  final String endpoint;
  final int blockSize;
  final int parallelism;
  final int maxTries;

  private AzureBlobSettings(URI uri, String account, String container, String prefix, String connectionString,
      String accountKey, String credentialSource, String endpoint, int blockSize, int parallelism, int maxTries) {
    this.uri = uri;
    this.account = account;
    this.container = container;
    this.prefix = prefix;
    this.connectionString = connectionString;
    this.accountKey = accountKey;
    this.credentialSource = credentialSource;
    this.endpoint = endpoint;
    this.blockSize = blockSize;
    this.parallelism = parallelism;
    this.maxTries = maxTries;
  }

  /**
   * Reads the URI, the caller's settings (which win over the URI's query parameters) and, for credentials not given
   * as settings, the environment.
   */
  static AzureBlobSettings parse(URI given, Map<String, String> settings, Function<String, String> env) {
    if (given.isOpaque() || given.getRawAuthority() == null) {
      throw new UserException("datastore " + given.getScheme() + ":...: give azureblob://account/container/prefix");
    }
    String account = given.getHost() != null ? given.getHost() : given.getAuthority().replaceFirst(".*@", "");
    String path = given.getPath() == null ? "" : given.getPath();
    String[] parts = path.startsWith("/") ? path.substring(1).split("/", 2) : new String[] {""};
    String container = parts[0];
    URI uri = safeUri(account, "/" + container + (parts.length > 1 && !parts[1].isEmpty()
        ? "/" + stripSlash(parts[1]) : ""));
    if (!ACCOUNT.matcher(account).matches()) {
      throw new UserException("datastore " + uri + ": storage account '" + account + "' must be 3 to 24 lower-case "
          + "letters and digits");
    }
    if (container.isEmpty()) {
      throw new UserException("datastore " + uri + ": no container -- give azureblob://" + account
          + "/container/prefix");
    }
    if (!CONTAINER.matcher(container).matches()) {
      throw new UserException("datastore " + uri + ": container '" + container + "' must be 3 to 63 lower-case "
          + "letters, digits and single hyphens, starting and ending with a letter or digit");
    }
    String prefix = parts.length > 1 ? stripSlash(parts[1]) : "";
    if (!prefix.isEmpty()) {
      try {
        DatastoreKeys.checkPrefix(prefix);
      } catch (UserException e) {
        throw new UserException("datastore " + uri + ": its prefix is not valid: " + e.getMessage());
      }
    }
    if (given.getUserInfo() != null) {
      throw new UserException("datastore " + uri + ": credentials do not belong in the URI -- set "
          + ENV_CONNECTION_STRING + " or " + ENV_KEY + ", or pass them as settings");
    }

    Map<String, String> all = new LinkedHashMap<>(query(uri, given.getRawQuery()));
    all.putAll(settings);
    Set<String> unknown = new TreeSet<>(all.keySet());
    unknown.removeAll(KNOWN);
    if (!unknown.isEmpty()) {
      throw new UserException("datastore " + uri + ": unknown settings " + unknown + " (known: "
          + new TreeSet<>(KNOWN) + ")");
    }

    String endpoint = all.get(ENDPOINT);
    if (endpoint != null) {
      endpoint = checkEndpoint(uri, endpoint);
    }
    String connectionString = null;
    String accountKey = null;
    String source;
    if (all.get(CONNECTION_STRING) != null) {
      connectionString = all.get(CONNECTION_STRING);
      source = "setting " + CONNECTION_STRING;
    } else if (all.get(ACCOUNT_KEY) != null) {
      accountKey = all.get(ACCOUNT_KEY);
      source = "setting " + ACCOUNT_KEY;
    } else if (all.get(CONNECTION_STRING_ENV) != null) {
      source = "environment variable " + all.get(CONNECTION_STRING_ENV);
      connectionString = required(uri, env, all.get(CONNECTION_STRING_ENV), CONNECTION_STRING_ENV);
    } else if (all.get(ACCOUNT_KEY_ENV) != null) {
      source = "environment variable " + all.get(ACCOUNT_KEY_ENV);
      accountKey = required(uri, env, all.get(ACCOUNT_KEY_ENV), ACCOUNT_KEY_ENV);
    } else if (present(env.apply(ENV_CONNECTION_STRING))) {
      connectionString = env.apply(ENV_CONNECTION_STRING);
      source = "environment variable " + ENV_CONNECTION_STRING;
    } else if (present(env.apply(ENV_KEY))) {
      String keyAccount = env.apply(ENV_ACCOUNT);
      if (present(keyAccount) && !keyAccount.equals(account)) {
        throw new UserException("datastore " + uri + ": " + ENV_KEY + " is the key of account '" + keyAccount
            + "' (" + ENV_ACCOUNT + "), not of '" + account + "' -- set the key of '" + account + "'");
      }
      accountKey = env.apply(ENV_KEY);
      source = "environment variable " + ENV_KEY;
    } else {
      throw new UserException("datastore " + uri + ": no credentials -- set " + ENV_CONNECTION_STRING + ", or "
          + ENV_KEY + " to the key of account '" + account + "', or pass the setting " + CONNECTION_STRING + " or "
          + ACCOUNT_KEY);
    }
    if (connectionString != null) {
      checkConnectionString(uri, account, connectionString, source);
    } else {
      checkAccountKey(uri, accountKey, source);
    }
    if (accountKey != null && endpoint == null) {
      endpoint = "https://" + account + ".blob.core.windows.net";
    }
    int blockSize = size(uri, all.get(BLOCK_SIZE), DEFAULT_BLOCK_SIZE);
    int parallelism = number(uri, PARALLELISM, all.get(PARALLELISM), DEFAULT_PARALLELISM, 64);
    int maxTries = number(uri, MAX_TRIES, all.get(MAX_TRIES), DEFAULT_MAX_TRIES, 20);
    return new AzureBlobSettings(uri, account, container, prefix, connectionString, accountKey, source, endpoint,
        blockSize, parallelism, maxTries);
  }

  /** The URI without user info or query: what messages show. */
  private static URI safeUri(String account, String path) {
    try {
      return new URI("azureblob", account, path, null);
    } catch (URISyntaxException e) {
      return URI.create("azureblob://invalid");
    }
  }

  private static String stripSlash(String path) {
    return path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
  }

  private static boolean present(String value) {
    return value != null && !value.isBlank();
  }

  private static String required(URI uri, Function<String, String> env, String variable, String setting) {
    String value = env.apply(variable);
    if (!present(value)) {
      throw new UserException("datastore " + uri + ": environment variable " + variable + " (named by the setting "
          + setting + ") is not set");
    }
    return value;
  }

  private static Map<String, String> query(URI uri, String rawQuery) {
    Map<String, String> parameters = new LinkedHashMap<>();
    if (rawQuery == null || rawQuery.isEmpty()) {
      return parameters;
    }
    for (String pair : rawQuery.split("&")) {
      int eq = pair.indexOf('=');
      String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      if (SECRET.contains(name)) {
        throw new UserException("datastore " + uri + ": the secret " + name + " does not belong in the URI -- pass "
            + "it as a setting, or name an environment variable with " + (name.equals(ACCOUNT_KEY) ? ACCOUNT_KEY_ENV
            : CONNECTION_STRING_ENV));
      }
      parameters.put(name, eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return parameters;
  }

  private static String checkEndpoint(URI uri, String endpoint) {
    try {
      URI parsed = new URI(endpoint);
      String scheme = parsed.getScheme() == null ? "" : parsed.getScheme().toLowerCase(Locale.ROOT);
      if (!scheme.equals("http") && !scheme.equals("https") || parsed.getHost() == null
          || parsed.getRawQuery() != null || parsed.getUserInfo() != null) {
        throw new URISyntaxException(endpoint, "not an http(s) URL without query or user info");
      }
      return stripSlash(endpoint);
    } catch (URISyntaxException e) {
      throw new UserException("datastore " + uri + ": setting " + ENDPOINT + " must be an http(s) URL such as "
          + "http://127.0.0.1:10000/devstoreaccount1 (" + e.getReason() + ")");
    }
  }

  /** Checks the form and the account of a connection string; the messages never show it. */
  private static void checkConnectionString(URI uri, String account, String connectionString, String source) {
    Map<String, String> parts = new LinkedHashMap<>();
    for (String part : connectionString.split(";")) {
      if (part.isBlank()) {
        continue;
      }
      int eq = part.indexOf('=');
      if (eq <= 0) {
        throw new UserException("datastore " + uri + ": the connection string from " + source + " is not "
            + "Key=Value pairs separated by ';'");
      }
      parts.put(part.substring(0, eq).trim().toLowerCase(Locale.ROOT), part.substring(eq + 1).trim());
    }
    String named = "true".equalsIgnoreCase(parts.get("usedevelopmentstorage")) ? "devstoreaccount1"
        : parts.get("accountname");
    if (named != null && !named.equals(account)) {
      throw new UserException("datastore " + uri + ": the connection string from " + source + " is for account '"
          + named + "', not '" + account + "'");
    }
    if (parts.get("accountkey") != null) {
      checkAccountKey(uri, parts.get("accountkey"), "the connection string from " + source);
    }
  }

  private static void checkAccountKey(URI uri, String key, String source) {
    try {
      if (Base64.getDecoder().decode(key.trim()).length == 0) {
        throw new IllegalArgumentException("empty");
      }
    } catch (IllegalArgumentException e) {
      throw new UserException("datastore " + uri + ": the account key from " + source + " is not a base64 key");
    }
  }

  /** Bytes, or with a k or m suffix (binary units). */
  private static int size(URI uri, String value, int fallback) {
    if (value == null) {
      return fallback;
    }
    String v = value.trim().toLowerCase(Locale.ROOT);
    long unit = v.endsWith("k") ? 1024 : v.endsWith("m") ? 1024 * 1024 : 1;
    try {
      long bytes = Long.parseLong(unit == 1 ? v : v.substring(0, v.length() - 1)) * unit;
      if (bytes >= 1024 && bytes <= MAX_BLOCK_SIZE) {
        return (int) bytes;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw new UserException("datastore " + uri + ": setting " + BLOCK_SIZE + " must be bytes from 1k to 256m "
        + "(such as 4m), was '" + value + "'");
  }

  private static int number(URI uri, String name, String value, int fallback, int max) {
    if (value == null) {
      return fallback;
    }
    try {
      int n = Integer.parseInt(value.trim());
      if (n >= 1 && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw new UserException("datastore " + uri + ": setting " + name + " must be from 1 to " + max + ", was '"
        + value + "'");
  }

  /** For messages: the endpoint, or where the connection string says it is. */
  String endpointForMessages() {
    return endpoint != null ? endpoint : "the endpoint of the connection string from " + credentialSource;
  }

  @Override
  public String toString() {
    return "AzureBlobSettings" + List.of("uri=" + uri, "credentials=" + (connectionString != null
        ? "connection string" : "account key") + " from " + credentialSource + " (hidden)", "endpoint="
        + (endpoint == null ? "from the connection string" : endpoint), "blockSize=" + blockSize, "parallelism="
        + parallelism, "maxTries=" + maxTries);
  }
}
