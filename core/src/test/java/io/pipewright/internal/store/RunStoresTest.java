package io.pipewright.internal.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pipewright.UserException;
import io.pipewright.Workspace;
import io.pipewright.spi.RunStoreProvider;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Choosing a run store by URL: core alone has no provider, and says which module to add. */
class RunStoresTest {
  @TempDir
  Path tmp;

  @Test
  void aPostgresUrlWithoutItsModuleNamesTheModuleToAddAndMasksThePassword() {
    assertThatThrownBy(() -> Workspace.builder(tmp).store("jdbc:postgresql://db/x?user=u&password=pw").open())
        .isInstanceOf(UserException.class)
        .hasMessage("run store jdbc:postgresql://db/x?user=u&password=***: no provider of jdbc:postgresql -- add"
            + " io.pipewright:pipewright-runstore-postgresql to the classpath");
  }

  @Test
  void anUnknownSchemeSaysWhatIsKnown() {
    assertThatThrownBy(() -> Workspace.builder(tmp).store("mongodb://db/x").open())
        .isInstanceOf(UserException.class)
        .hasMessage("run store mongodb://db/x: unknown scheme 'mongodb' (known: none) -- give a jdbc:postgresql://"
            + " URL, or none for the workspace's own SQLite file");
    assertThatThrownBy(() -> Workspace.builder(tmp).store("not a url").open())
        .isInstanceOf(UserException.class)
        .hasMessage("run store 'not a url' is not a URL -- give one such as jdbc:postgresql://host:5432/db, or none"
            + " for the workspace's own SQLite file");
  }

  @Test
  void aBlankUrlMeansTheWorkspacesOwnFile() {
    try (Workspace ws = Workspace.builder(tmp).store(" ").open()) {
      assertThat(ws.submit(io.pipewright.Pipeline.named("p")).await().succeeded()).isTrue();
    }
    assertThat(tmp.resolve("pipewright.db")).isRegularFile();
  }

  @Test
  void masksPasswordsInParametersAndUserInfo() {
    assertThat(RunStoreProvider.masked("jdbc:postgresql://h/db?user=u&password=a;b&ssl=true"))
        .isEqualTo("jdbc:postgresql://h/db?user=u&password=***&ssl=true");
    assertThat(RunStoreProvider.masked("jdbc:other://h;user=u;password=p&q;x=1"))
        .isEqualTo("jdbc:other://h;user=u;password=***;x=1");
    assertThat(RunStoreProvider.masked("jdbc:postgresql://h/db?PASSWORD=x&sslpassword=y"))
        .isEqualTo("jdbc:postgresql://h/db?PASSWORD=***&sslpassword=***");
    assertThat(RunStoreProvider.masked("postgresql://me:secret@h/db")).isEqualTo("postgresql://me:***@h/db");
    assertThat(RunStoreProvider.masked("jdbc:postgresql://h/db?user=u")).isEqualTo("jdbc:postgresql://h/db?user=u");
  }
}
