package io.pipewright.internal.engine;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import io.pipewright.DataFile;
import io.pipewright.spi.Datastore;
import io.pipewright.spi.StoredObject;
import io.pipewright.internal.util.FileTrees;
import io.pipewright.internal.util.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * The workspace's object store mirrored in a datastore, so that workspaces on other machines sharing its run store
 * reuse each other's outputs: a committed output is pushed (its files, then its manifest, last, under the same keys
 * as on disk: {@code objects/AB/HEX/...} and {@code objects/AB/HEX.json}), and an output a cache entry names but
 * this machine lacks is pulled into the local store before it is reused. Files move in parallel and every file's
 * SHA-256 is checked against the manifest both ways, so a damaged or partial copy is never taken for the output.
 */
final class RemoteObjects {
  private static final TypeReference<List<DataFile>> FILES = new TypeReference<>() {};
  private static final TypeReference<Map<String, Object>> METADATA = new TypeReference<>() {};

  private final Datastore datastore;
  private final Executor transfers;

  RemoteObjects(Datastore datastore, Executor transfers) {
    this.datastore = datastore;
    this.transfers = transfers;
  }

  String location() {
    return datastore.uri().toString();
  }

  Datastore datastore() {
    return datastore;
  }

  /** Copies a stored output to the datastore unless it is there already: files first, the manifest last. */
  void push(StoredOutput output) {
    push(output.contentHash(), output.dir(), output.files(), () -> datastore.upload(manifestKey(output.contentHash()),
        output.manifest()));
  }

  /**
   * Copies a file or folder that a step reads in place to the datastore, as the Dataset object it hashes to, so that
   * a step runner on another machine fetches it with {@link #pull} like any stored output.
   */
  void push(ExternalInput input) {
    push(input.contentHash(), input.dataset().root(), input.dataset().files(), () -> {
      byte[] manifest = Json.write(OutputStore.filesManifest(io.pipewright.Dataset.class, input.contentHash(),
          input.dataset().files(), Map.of())).getBytes(java.nio.charset.StandardCharsets.UTF_8);
      datastore.write(manifestKey(input.contentHash()), new java.io.ByteArrayInputStream(manifest));
    });
  }

  private void push(String contentHash, Path dir, List<DataFile> files, Runnable writeManifest) {
    String hex = contentHash.substring("sha256:".length());
    if (datastore.exists(manifestKey(contentHash))) {
      return;
    }
    List<CompletableFuture<Void>> uploads = new ArrayList<>();
    for (DataFile file : files) {
      String key = "objects/" + hex.substring(0, 2) + "/" + hex + "/" + file.path();
      uploads.add(CompletableFuture.runAsync(() -> {
        StoredObject stored = datastore.upload(key, dir.resolve(file.path()));
        if (!stored.sha256().equals(file.sha256())) {
          throw new IllegalStateException(location() + ": " + key + " changed while it was uploaded (sha256 "
              + stored.sha256() + ", manifest " + file.sha256() + ")");
        }
      }, transfers));
    }
    join(uploads);
    writeManifest.run();
  }

  private static String manifestKey(String contentHash) {
    String hex = contentHash.substring("sha256:".length());
    return "objects/" + hex.substring(0, 2) + "/" + hex + ".json";
  }

  /**
   * Copies an output from the datastore into the local store, checking every file; returns whether it is now there.
   * An output the datastore does not hold, or holds damaged, is not copied.
   */
  boolean pull(String contentHash, OutputStore local) {
    String hex = contentHash.substring("sha256:".length());
    String manifestKey = manifestKey(contentHash);
    if (!datastore.exists(manifestKey)) {
      return false;
    }
    JsonNode manifest;
    try (InputStream in = datastore.read(manifestKey)) {
      manifest = Json.MAPPER.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(location() + ": cannot read " + manifestKey + ": " + e.getMessage(), e);
    }
    Class<?> type = OutputTypes.named(manifest.path("type").asText());
    if (type == null) {
      return false;
    }
    try {
      if (!OutputTypes.isFiles(type)) {
        return local.commitValue(type, manifest.get("value")).contentHash().equals(contentHash);
      }
      List<DataFile> files = Json.MAPPER.convertValue(manifest.get("files"), FILES);
      Map<String, Object> metadata = Json.MAPPER.convertValue(manifest.get("metadata"), METADATA);
      Path staged = local.stagingFolder().resolve("pull-" + UUID.randomUUID());
      try {
        List<CompletableFuture<Void>> downloads = new ArrayList<>();
        for (DataFile file : files) {
          String key = "objects/" + hex.substring(0, 2) + "/" + hex + "/" + file.path();
          downloads.add(CompletableFuture.runAsync(() -> {
            StoredObject copied = datastore.download(key, staged.resolve(file.path()));
            if (copied.size() != file.size() || !copied.sha256().equals(file.sha256())) {
              throw new IllegalStateException(location() + ": " + key + " does not match its manifest");
            }
          }, transfers));
        }
        join(downloads);
        if (!OutputStore.contentHash(type, files, metadata == null ? Map.of() : metadata).equals(contentHash)) {
          return false;
        }
        Files.createDirectories(staged);
        local.commitFiles(type, staged, files, metadata == null ? Map.of() : metadata);
        return true;
      } finally {
        FileTrees.deleteRecursively(staged);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(location() + ": cannot copy " + contentHash + " here: " + e.getMessage(), e);
    }
  }

  private static void join(List<CompletableFuture<Void>> transfers) {
    try {
      CompletableFuture.allOf(transfers.toArray(CompletableFuture[]::new)).join();
    } catch (CompletionException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      if (cause instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new IllegalStateException(cause.getMessage(), cause);
    }
  }
}
