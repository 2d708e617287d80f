package io.pipewright.datastore.azureblob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.core.util.BinaryData;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.options.BlobParallelUploadOptions;
import io.pipewright.UserException;
import io.pipewright.spi.Datastore;
import io.pipewright.spi.Datastores;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Against Azurite: wrong credentials, a missing container, damaged and foreign blobs, connection strings. */
class AzureBlobErrorsIT {
  private static BlobContainerClient container;

  @BeforeAll
  static void createContainer() {
    if (Azurite.configured()) {
      container = Azurite.newContainer();
    }
  }

  @AfterAll
  static void deleteContainer() {
    if (container != null) {
      container.delete();
    }
  }

  @BeforeEach
  void needsAzurite() {
    Azurite.endpoint();
  }

  private static String sha256(String text) {
    return java.util.HexFormat.of().formatHex(AzureBlobDatastore.digest("SHA-256")
        .digest(text.getBytes(StandardCharsets.UTF_8)));
  }

  private static String name() {
    return container.getBlobContainerName();
  }

  @Test
  void aWrongKeyIsAccessDeniedWithoutShowingTheKey() {
    byte[] random = new byte[64];
    new Random(1).nextBytes(random);
    String wrong = Base64.getEncoder().encodeToString(random);
    try (Datastore store = Azurite.open(name() + "/p", Map.of("accountKey", wrong))) {
      for (Runnable op : new Runnable[] {() -> store.list(""), () -> store.exists("k"),
          () -> store.write("k", new ByteArrayInputStream(new byte[1])), () -> store.read("k")}) {
        assertThatThrownBy(op::run)
            .isInstanceOf(UserException.class)
            .hasMessageStartingWith("azureblob://devstoreaccount1/" + name() + "/p: access denied (403")
            .hasMessageEndingWith(") -- check the credentials from setting accountKey for account 'devstoreaccount1'")
            .satisfies(e -> assertThat(AzureBlobSettingsTest.stackTrace(e)).doesNotContain(wrong));
      }
    }
  }

  @Test
  void aMissingContainerIsNamed() {
    try (Datastore store = Azurite.open("no-such-container/p", Map.of())) {
      String expected = "azureblob://devstoreaccount1/no-such-container/p: container 'no-such-container' does not "
          + "exist in account 'devstoreaccount1' -- create it, or fix the URI";
      assertThatThrownBy(() -> store.list("")).isInstanceOf(UserException.class).hasMessage(expected);
      assertThatThrownBy(() -> store.write("k", new ByteArrayInputStream(new byte[1]))).hasMessage(expected);
      assertThatThrownBy(() -> store.read("k")).hasMessage(expected);
      assertThatThrownBy(() -> store.exists("k")).hasMessage(expected);
    }
  }

  @Test
  void aBlobWhoseContentDiffersFromItsSha256FailsAtTheEndOfTheRead() throws IOException {
    container.getBlobClient("damaged/k").uploadWithResponse(new BlobParallelUploadOptions(
        BinaryData.fromString("actual content")).setMetadata(Map.of("sha256", "0".repeat(64))), null, null);
    try (Datastore store = Azurite.open(name() + "/damaged", Map.of()); InputStream in = store.read("k")) {
      assertThatThrownBy(in::readAllBytes)
          .isInstanceOf(IOException.class)
          .hasMessage("azureblob://devstoreaccount1/" + name() + "/damaged: object 'k' is damaged: its SHA-256 is "
              + sha256("actual content") + ", " + "0".repeat(64) + " was stored with it");
    }
  }

  @Test
  void readsBlobsWrittenByOtherToolsAndLeavesInvalidNamesOutOfListings() throws IOException {
    container.getBlobClient("foreign/plain.txt").upload(BinaryData.fromString("from another tool"));
    // Not a valid key (reserved); a backslash would not do here: the SDK sends it as '/'.
    container.getBlobClient("foreign/.pipewright-x").upload(BinaryData.fromString("x"));
    try (Datastore store = Azurite.open(name() + "/foreign", Map.of()); InputStream in = store.read("plain.txt")) {
      assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("from another tool");
      assertThat(store.list("")).containsExactly("plain.txt");
      assertThat(store.info("plain.txt").orElseThrow().sha256()).isNull();
    }
  }

  @Test
  void worksWithAConnectionString() {
    String cs = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + Azurite.KEY
        + ";BlobEndpoint=" + Azurite.endpoint() + ";";
    try (Datastore store = Datastores.open("azureblob://devstoreaccount1/" + name() + "/cs",
        Map.of("connectionString", cs))) {
      store.write("a/b", new ByteArrayInputStream("via connection string".getBytes(StandardCharsets.UTF_8)));
      assertThat(store.list("a")).containsExactly("a/b");
      assertThat(store.uri()).isEqualTo(URI.create("azureblob://devstoreaccount1/" + name() + "/cs"));
    }
  }
}
