package io.pipewright.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --config}: the workspace config file, on every workspace command; --store and --datastore win over it. */
class ConfigOptionTest {
  @TempDir
  Path dir;

  private String config(String json) throws IOException {
    return Files.writeString(dir.resolve("config.json"), json).toString();
  }

  @Test
  void runsWithTheTargetsTheConfigDefines() throws IOException {
    String file = config("{\"targets\": {\"local\": {\"type\": \"local\", \"threads\": 1}}}");

    Invocation r = Invocation.of("run", "greet", "--json", "--workspace", dir.resolve("ws").toString(), "--config",
        file);

    assertThat(r.code()).as(r.toString()).isEqualTo(0);
    assertThat(r.json().get("steps").get(0).get("computeTarget").asText()).isEqualTo("local");
  }

  @Test
  void aWrongTypeInTheConfigIsOneLineNamingTheKeyPath() throws IOException {
    String file = config("{\"targets\": {\"gpu\": {\"type\": \"local\", \"threads\": \"four\"}}}");

    Invocation r = Invocation.of("run", "greet", "--workspace", dir.resolve("ws").toString(), "--config", file);

    assertThat(r.code()).as(r.toString()).isEqualTo(2);
    assertThat(r.err().strip()).isEqualTo("pipewright: config " + file
        + ": targets.gpu.threads: expected a number, got \"four\"");
  }

  @Test
  void aSyntaxErrorNamesTheFileLineAndColumn() throws IOException {
    String file = config("{\n  \"targets\": {,}\n}");

    Invocation r = Invocation.of("runs", "--workspace", dir.resolve("ws").toString(), "--config", file);

    assertThat(r.code()).as(r.toString()).isEqualTo(2);
    assertThat(r.err().strip()).startsWith("pipewright: config " + file + ", line 2, column ")
        .contains(": syntax error: ").doesNotContain("\n");
  }

  @Test
  void theStoreOfTheConfigIsUsedAndTheDatastoreOptionWinsOverTheConfigs() throws IOException {
    String withStore = config("{\"store\": \"mysql://db/x\"}");
    Invocation store = Invocation.of("runs", "--workspace", dir.resolve("ws").toString(), "--config", withStore);
    assertThat(store.code()).as(store.toString()).isEqualTo(2);
    assertThat(store.err()).contains("run store mysql://db/x: unknown scheme 'mysql'");

    String withDatastore = config("{\"datastore\": \"nosuch://x/y\"}");
    Invocation datastore = Invocation.of("run", "greet", "--workspace", dir.resolve("ws").toString(), "--config",
        withDatastore, "--datastore", dir.resolve("mirror").toString());
    assertThat(datastore.code()).as(datastore.toString()).isEqualTo(0);
  }
}
