package io.pipewright.internal.engine;

import io.pipewright.DataFile;
import io.pipewright.Dataset;
import io.pipewright.UserException;
import io.pipewright.spi.Datastore;
import io.pipewright.spi.Datastores;
import io.pipewright.spi.StoredObject;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * A step input that lives in a datastore: every object below a prefix, such as
 * {@code azureblob://acct/ml/raw/digits}, copied into the run's working area (in parallel, streamed, each file's
 * SHA-256 taken as it is copied) and then read like a local folder. Its content hash is that of a local folder with
 * the same files, so moving data between a datastore and a disk does not re-run anything.
 */
final class RemoteInput {
  private RemoteInput() {}

  /** @throws UserException when the location has no objects or cannot be reached (the message names it) */
  static ExternalInput stage(URI location, Map<String, String> settings, Path into, Executor transfers) {
    try (Datastore store = Datastores.open(location.toString(), settings)) {
      List<String> keys = store.list("");
      if (keys.isEmpty()) {
        throw new UserException(store.uri() + ": no objects below it");
      }
      List<CompletableFuture<DataFile>> copies = new ArrayList<>();
      for (String key : keys) {
        copies.add(CompletableFuture.supplyAsync(() -> {
          StoredObject copied = store.download(key, into.resolve(key));
          return new DataFile(key, copied.size(), copied.sha256());
        }, transfers));
      }
      List<DataFile> files = new ArrayList<>(keys.size());
      for (CompletableFuture<DataFile> copy : copies) {
        files.add(copy.join());
      }
      Dataset dataset = new Dataset(into, files);
      return new ExternalInput(into, dataset, OutputStore.contentHash(Dataset.class, files, Map.of()));
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException cause ? cause : e;
    }
  }
}
