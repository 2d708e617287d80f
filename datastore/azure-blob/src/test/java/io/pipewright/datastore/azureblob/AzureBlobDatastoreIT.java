package io.pipewright.datastore.azureblob;

import com.azure.storage.blob.BlobContainerClient;
import io.pipewright.spi.Datastore;
import io.pipewright.testing.DatastoreContract;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The Azure Blob datastore passes the contract against Azurite, with 1 MiB blocks so that the large object and the
 * concurrent writers go through staged, parallel blocks.
 */
class AzureBlobDatastoreIT extends DatastoreContract {
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

  @Override
  protected Datastore openEmpty() {
    Azurite.endpoint(); // skips (or, in CI, fails) each test without Azurite
    return Azurite.open(container.getBlobContainerName() + "/run-" + UUID.randomUUID() + "/data",
        Map.of("blockSize", "1m", "parallelism", "3"));
  }

  @Override
  protected int concurrentObjectSize() {
    return 1536 * 1024 + 5;
  }
}
