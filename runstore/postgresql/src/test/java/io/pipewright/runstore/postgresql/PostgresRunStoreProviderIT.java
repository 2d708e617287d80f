package io.pipewright.runstore.postgresql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pipewright.UserException;
import io.pipewright.internal.store.JdbcRunStore;
import io.pipewright.spi.RunStoreDatabase;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Credentials and URLs of the PostgreSQL provider. */
class PostgresRunStoreProviderIT {
  @AfterAll
  static void dropSchemas() {
    TestPostgres.dropSchemas();
  }

  @Test
  void takesTheUserFromPguserWhenTheUrlHasNone() {
    String url = TestPostgres.newSchemaUrl();
    String user = url.replaceAll(".*[?&]user=([^&]*).*", "$1");
    String withoutUser = url.replaceAll("([?&])user=[^&]*&?", "$1");

    RunStoreDatabase database = new PostgresRunStoreProvider(Map.of("PGUSER", user, "PGPASSWORD", "ignored-by-trust"))
        .open(withoutUser);
    try (JdbcRunStore store = JdbcRunStore.open(database)) {
      assertThat(store.list(1)).isEmpty();
    }
    assertThat(database.displayName()).isEqualTo(withoutUser).doesNotContain("ignored-by-trust");
    assertThat(database.toString()).doesNotContain("ignored-by-trust");
  }

  @Test
  void refusesAUrlOfAnotherScheme() {
    assertThatThrownBy(() -> new PostgresRunStoreProvider().open("jdbc:mysql://h/db?password=x"))
        .isInstanceOf(UserException.class)
        .hasMessage("run store jdbc:mysql://h/db?password=*** is not a jdbc:postgresql URL");
  }
}
