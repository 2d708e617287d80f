package io.pipewright.datastore.azureblob;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.common.StorageSharedKeyCredential;
import io.pipewright.spi.Datastore;
import io.pipewright.spi.Datastores;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The Azurite that {@code .ci/azurite.sh start} started, named by {@code PIPEWRIGHT_TEST_AZURITE}. Unset: tests are
 * skipped with the reason, or fail when {@code CI=true}, so that CI never passes without them.
 */
final class Azurite {
  static final String VARIABLE = "PIPEWRIGHT_TEST_AZURITE";
  static final String ACCOUNT = "devstoreaccount1";
  /** Azurite's well-known development key: public, not a secret. */
  static final String KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

  private Azurite() {}

  /** Whether {@code PIPEWRIGHT_TEST_AZURITE} is set; tests still call {@link #endpoint()}, which skips or fails. */
  static boolean configured() {
    String endpoint = System.getenv(VARIABLE);
    return endpoint != null && !endpoint.isBlank();
  }

  /**
   * The blob endpoint, such as {@code http://127.0.0.1:PORT/devstoreaccount1}; skips the calling test (with
   * the reason) or fails it without it. Call it from each test or {@code @BeforeEach}: an abort in {@code @BeforeAll}
   * is not reported as skipped tests.
   */
  static String endpoint() {
    String endpoint = System.getenv(VARIABLE);
    if (endpoint == null || endpoint.isBlank()) {
      String reason = VARIABLE + " is not set: start Azurite with `bash .ci/azurite.sh start` and export the line it "
          + "prints";
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        Assertions.fail(reason + " (CI=true: these tests must run in CI)");
      }
      Assumptions.abort(reason + "; skipped");
    }
    return endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint;
  }

  /** A new container, through the SDK directly. */
  static BlobContainerClient newContainer() {
    BlobContainerClient container = new BlobServiceClientBuilder().endpoint(endpoint())
        .credential(new StorageSharedKeyCredential(ACCOUNT, KEY)).buildClient()
        .getBlobContainerClient("test-" + UUID.randomUUID().toString().substring(0, 18));
    container.create();
    return container;
  }

  /** Opens {@code azureblob://devstoreaccount1/CONTAINER/prefix} on Azurite with the key and more settings. */
  static Datastore open(String containerAndPrefix, Map<String, String> more) {
    Map<String, String> settings = new HashMap<>(Map.of("endpoint", endpoint(), "accountKey", KEY));
    settings.putAll(more);
    return Datastores.open("azureblob://" + ACCOUNT + "/" + containerAndPrefix, settings);
  }
}
