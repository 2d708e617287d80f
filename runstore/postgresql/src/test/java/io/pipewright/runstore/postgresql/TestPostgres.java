package io.pipewright.runstore.postgresql;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The PostgreSQL server the tests use: {@code PIPEWRIGHT_TEST_POSTGRES}, a JDBC URL ({@code .ci/postgres.sh start}
 * prints it). Unset: the tests are skipped, saying why; on CI ({@code CI=true}) they fail instead, as they do when the
 * server given cannot be reached. Each test gets an empty schema of its own, so tests never see each other's runs.
 */
final class TestPostgres {
  static final String VARIABLE = "PIPEWRIGHT_TEST_POSTGRES";
  private static final List<String> SCHEMAS = new ArrayList<>();

  private TestPostgres() {}

  /** The server's URL, or the test is skipped (failed on CI). */
  static String url() {
    String url = System.getenv(VARIABLE);
    if (url == null || url.isBlank()) {
      String why = VARIABLE + " is not set: start a server with eval \"$(bash .ci/postgres.sh start)\"";
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        fail("on CI the PostgreSQL tests must run, but " + why);
      }
      assumeTrue(false, why);
    }
    return url;
  }

  /** The URL of a new, empty schema on the server. */
  static synchronized String newSchemaUrl() {
    String url = url();
    String schema = "pw_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
      s.execute("create schema " + schema);
    } catch (SQLException e) {
      fail("cannot reach the PostgreSQL server " + io.pipewright.spi.RunStoreProvider.masked(url) + " (" + VARIABLE
          + "): " + e.getMessage(), e);
    }
    SCHEMAS.add(schema);
    return url + (url.contains("?") ? "&" : "?") + "currentSchema=" + schema;
  }

  /** Drops the schemas the tests made. */
  static synchronized void dropSchemas() {
    String url = System.getenv(VARIABLE);
    if (url == null || SCHEMAS.isEmpty()) {
      return;
    }
    try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
      for (String schema : SCHEMAS) {
        s.execute("drop schema if exists " + schema + " cascade");
      }
      SCHEMAS.clear();
    } catch (SQLException e) {
      // A throwaway server: what is left there harms nothing.
    }
  }
}
