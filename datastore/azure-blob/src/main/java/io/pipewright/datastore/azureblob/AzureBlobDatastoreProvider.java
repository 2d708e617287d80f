package io.pipewright.datastore.azureblob;

import io.pipewright.spi.Datastore;
import io.pipewright.spi.DatastoreProvider;
import java.net.URI;
import java.util.Map;

/**
 * Opens {@code azureblob://account/container/prefix} datastores on Azure Blob Storage (or Azurite).
 *
 * <p>Settings (given by the caller; the non-secret ones also as URI query parameters):
 * <ul>
 *   <li>{@code connectionString} or {@code accountKey}: the credentials; secrets, so never in the URI;
 *   <li>{@code connectionStringEnv} or {@code accountKeyEnv}: the name of an environment variable holding them;
 *   <li>{@code endpoint}: the blob service URL, such as {@code http://127.0.0.1:10000/devstoreaccount1} for
 *       Azurite (default: {@code https://ACCOUNT.blob.core.windows.net}, or the connection string's);
 *   <li>{@code blockSize} (default {@code 4m}), {@code parallelism} (default 4): blocks of a transfer and how many
 *       move at once; a write holds at most {@code (parallelism + 1) * blockSize} bytes in memory;
 *   <li>{@code maxTries} (default 4): tries of each request, with exponential back-off.
 * </ul>
 * Without credential settings, {@code AZURE_STORAGE_CONNECTION_STRING} is used, else {@code AZURE_STORAGE_KEY} (the
 * key of the URI's account). The environment is read when a datastore is opened.
 */
public final class AzureBlobDatastoreProvider implements DatastoreProvider {
  @Override
  public String scheme() {
    return "azureblob";
  }

  @Override
  public Datastore open(URI uri, Map<String, String> settings) {
    return new AzureBlobDatastore(AzureBlobSettings.parse(uri, settings, System::getenv));
  }
}
