package io.pipewright.spi;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Makes a database usable as a shared run store, chosen by the scheme of the store URL a workspace is opened with
 * ({@code Workspace.builder(dir).store("jdbc:postgresql://db/pipewright")}, or {@code --store} on the command line).
 * Without a store URL a workspace records its runs in its own SQLite file, with no provider involved.
 *
 * <p>A provider brings a JDBC driver and the way to connect (credentials, connection properties); core brings the
 * schema, its migrations and every query, written once for all the {@link RunStoreDatabase.Dialect dialects} it
 * knows, and checked against each by the {@code RunStoreContract} kit in {@code pipewright-testing}. Register
 * implementations in {@code META-INF/services/io.pipewright.spi.RunStoreProvider}; they need a public no-argument
 * constructor. Two providers of one scheme are an error that names both.
 *
 * <p>Example: {@code io.pipewright:pipewright-runstore-postgresql} provides {@code jdbc:postgresql}.
 */
public interface RunStoreProvider {
  /**
   * The URL scheme served, as it starts the URL before the next {@code ':'}: {@code jdbc:postgresql} for
   * {@code jdbc:postgresql://host:5432/db}.
   */
  String scheme();

  /**
   * The database at {@code url}; nothing is connected yet. Credentials may come from the URL or from the
   * environment the provider documents.
   *
   * @throws io.pipewright.UserException if the URL is malformed, naming it with any password masked
   */
  RunStoreDatabase open(String url);

  /**
   * {@code url} with the values of {@code password} parameters and any password in a user-info part replaced by
   * {@code ***}: what messages and logs may show.
   */
  static String masked(String url) {
    if (url == null) {
      return null;
    }
    String out = PASSWORD_PARAMETER.matcher(url).replaceAll("$1***");
    out = PASSWORD_PROPERTY.matcher(out).replaceAll("$1***");
    Matcher userInfo = USER_INFO_PASSWORD.matcher(out);
    return userInfo.find() ? userInfo.replaceFirst("$1***@") : out;
  }

  /** A {@code password=} query parameter (any case, also {@code sslpassword}), up to the next {@code &}. */
  Pattern PASSWORD_PARAMETER = Pattern.compile("(?i)([?&][a-z]*password=)[^&]*");
  /** A {@code ;password=} property, as some drivers' URLs have them, up to the next {@code ;}. */
  Pattern PASSWORD_PROPERTY = Pattern.compile("(?i)(;[a-z]*password=)[^;]*");
  /** {@code //user:secret@host}: the secret. */
  Pattern USER_INFO_PASSWORD = Pattern.compile("(//[^/@:?]*:)[^/@]*@");
}
