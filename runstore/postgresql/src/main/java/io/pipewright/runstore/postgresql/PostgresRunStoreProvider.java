package io.pipewright.runstore.postgresql;

import io.pipewright.UserException;
import io.pipewright.spi.RunStoreDatabase;
import io.pipewright.spi.RunStoreProvider;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.postgresql.Driver;

/**
 * A run store on PostgreSQL (12 or newer), shared by every process and machine that records runs in it: URLs
 * {@code jdbc:postgresql://host:5432/database?user=NAME}, as the PostgreSQL JDBC driver takes them (so every driver
 * property works, such as {@code sslmode} or {@code currentSchema}).
 *
 * <p>Credentials: from the URL's {@code user} and {@code password} parameters, else from the standard environment
 * variables {@code PGUSER} and {@code PGPASSWORD}. Messages and logs show the URL with any password masked. The
 * database must exist; the store creates and migrates its tables on open, under an advisory lock.
 *
 * <pre>{@code
 * Workspace ws = Workspace.builder(Path.of(".pipewright"))
 *     .store("jdbc:postgresql://db:5432/pipewright?user=ml")
 *     .open();
 * }</pre>
 */
public final class PostgresRunStoreProvider implements RunStoreProvider {
  private static final String SCHEME = "jdbc:postgresql";
  private static final Pattern HAS_USER = Pattern.compile("(?i)[?&]user=");
  private static final Pattern HAS_PASSWORD = Pattern.compile("(?i)[?&]password=");

  private final Function<String, String> environment;

  /** Reads {@code PGUSER} and {@code PGPASSWORD} from the process's environment when the URL has none. */
  public PostgresRunStoreProvider() {
    this(System::getenv);
  }

  /** Reads {@code PGUSER} and {@code PGPASSWORD} from {@code environment}: for tests. */
  public PostgresRunStoreProvider(Map<String, String> environment) {
    this(Map.copyOf(environment)::get);
  }

  private PostgresRunStoreProvider(Function<String, String> environment) {
    this.environment = environment;
  }

  @Override
  public String scheme() {
    return SCHEME;
  }

  @Override
  public RunStoreDatabase open(String url) {
    Objects.requireNonNull(url, "url");
    String shown = RunStoreProvider.masked(url);
    if (!url.toLowerCase(Locale.ROOT).startsWith(SCHEME + "://") && !url.toLowerCase(Locale.ROOT)
        .startsWith(SCHEME + ":")) {
      throw new UserException("run store " + shown + " is not a " + SCHEME + " URL");
    }
    Driver driver = new Driver();
    if (!driver.acceptsURL(url) || Driver.parseURL(url, new Properties()) == null) {
      throw new UserException("run store " + shown + ": not a valid PostgreSQL URL -- give one such as"
          + " jdbc:postgresql://host:5432/database?user=NAME");
    }
    Properties properties = new Properties();
    String user = environment.apply("PGUSER");
    if (!HAS_USER.matcher(url).find() && user != null && !user.isBlank()) {
      properties.setProperty("user", user);
    }
    String password = environment.apply("PGPASSWORD");
    if (!HAS_PASSWORD.matcher(url).find() && password != null && !password.isEmpty()) {
      properties.setProperty("password", password);
    }
    // Batches of step inserts become multi-row inserts; a store seen in pg_stat_activity says what it is.
    properties.setProperty("reWriteBatchedInserts", "true");
    properties.setProperty("ApplicationName", "pipewright");
    properties.setProperty("connectTimeout", "10");
    properties.setProperty("tcpKeepAlive", "true");
    return new Database(driver, url, shown, properties);
  }

  private record Database(Driver driver, String url, String displayName, Properties properties)
      implements RunStoreDatabase {
    @Override
    public Dialect dialect() {
      return Dialect.POSTGRESQL;
    }

    @Override
    public Connection connect() throws SQLException {
      Connection c = driver.connect(url, properties);
      if (c == null) {
        throw new SQLException("the PostgreSQL driver does not accept the URL " + displayName, "08001");
      }
      return c;
    }

    @Override
    public String toString() {
      return displayName; // never the properties: they may hold the password
    }
  }
}
