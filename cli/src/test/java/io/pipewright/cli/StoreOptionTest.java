package io.pipewright.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --store}: where runs are recorded, on every workspace command. */
class StoreOptionTest {
  @TempDir
  Path dir;

  @Test
  void anUnknownStoreSchemeIsOneLineNamingTheKnownOnes() {
    Invocation r = Invocation.of("run", "greet", "--workspace", dir.resolve("ws").toString(), "--store",
        "mysql://db/x");

    assertThat(r.code()).as(r.toString()).isEqualTo(2);
    assertThat(r.err().strip()).isEqualTo("pipewright: run store mysql://db/x: unknown scheme 'mysql' (known:"
        + " jdbc:postgresql) -- give a jdbc:postgresql:// URL, or none for the workspace's own SQLite file");
  }

  @Test
  void aStoreThatCannotBeReachedIsOneLineThatNeverShowsThePassword() {
    Invocation r = Invocation.of("runs", "--workspace", dir.resolve("ws").toString(), "--store",
        "jdbc:postgresql://127.0.0.1:1/db?user=u&password=hunter2");

    assertThat(r.code()).as(r.toString()).isEqualTo(2);
    assertThat(r.err().strip()).startsWith("pipewright: run store jdbc:postgresql://127.0.0.1:1/db?user=u&password=***:"
        + " cannot connect: ").doesNotContain("hunter2").doesNotContain("\n");
  }

  @Test
  void twoWorkspacesSharingAPostgresStoreSeeOneHistoryAndReuseWhereTheOutputsAre() throws Exception {
    String store = newSchema();
    String a = dir.resolve("a").toString();
    String b = dir.resolve("b").toString();

    JsonNode first = Invocation.of("run", "greet", "--json", "--workspace", a, "--store", store).json();
    JsonNode again = Invocation.of("run", "greet", "--json", "--workspace", a, "--store", store).json();
    JsonNode elsewhere = Invocation.of("run", "greet", "--json", "--workspace", b, "--store", store).json();
    Invocation runs = Invocation.of("runs", "--json", "--workspace", b, "--store", store);

    assertThat(first.get("status").asText()).isEqualTo("SUCCEEDED");
    for (JsonNode step : again.get("steps")) {
      assertThat(step.get("status").asText()).isEqualTo("REUSED");
      assertThat(step.get("reusedFrom").asText()).isEqualTo(first.get("runId").asText());
    }
    // Workspace b has not count's output (its datastore is its own): count runs again there; score has no outputs,
    // so the shared store's entry is all it needs.
    assertThat(elsewhere.get("steps").get(0).get("status").asText()).isEqualTo("SUCCEEDED");
    assertThat(elsewhere.get("steps").get(1).get("status").asText()).isEqualTo("REUSED");
    assertThat(runs.code()).as(runs.toString()).isZero();
    assertThat(runs.out()).contains(first.get("runId").asText(), again.get("runId").asText(),
        elsewhere.get("runId").asText());
  }

  /** A new schema on the test server ({@code PIPEWRIGHT_TEST_POSTGRES}): skipped without one, failed on CI. */
  private static String newSchema() throws Exception {
    String url = System.getenv("PIPEWRIGHT_TEST_POSTGRES");
    if (url == null || url.isBlank()) {
      String why = "PIPEWRIGHT_TEST_POSTGRES is not set: start a server with eval \"$(bash .ci/postgres.sh start)\"";
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        fail("on CI the PostgreSQL tests must run, but " + why);
      }
      assumeTrue(false, why);
    }
    String schema = "cli_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
      s.execute("create schema " + schema);
    }
    return url + (url.contains("?") ? "&" : "?") + "currentSchema=" + schema;
  }
}
