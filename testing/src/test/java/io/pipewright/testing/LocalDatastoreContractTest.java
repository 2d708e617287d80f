package io.pipewright.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.pipewright.spi.Datastore;
import io.pipewright.spi.Datastores;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;

/** The local folder datastore passes the contract, and leaves no partial files behind. */
class LocalDatastoreContractTest extends DatastoreContract {
  @TempDir
  Path temp;

  @Override
  protected Datastore openEmpty() {
    return Datastores.open(temp.resolve("store").toString());
  }

  @Override
  protected void assertNothingWrittenOutside() throws IOException {
    assertThat(Files.exists(temp.resolve("store")) ? files() : Stream.<Path>empty()).isEmpty();
  }

  private Stream<Path> files() throws IOException {
    try (Stream<Path> walk = Files.walk(temp)) {
      return walk.filter(Files::isRegularFile).toList().stream();
    }
  }
}
