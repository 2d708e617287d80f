package io.pipewright.datastore.azureblob;

import com.azure.core.http.rest.Response;
import com.azure.core.util.BinaryData;
import com.azure.core.util.Context;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.storage.blob.BlobClient;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.models.BlobHttpHeaders;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.BlobProperties;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.models.DeleteSnapshotsOptionType;
import com.azure.storage.blob.models.ListBlobsOptions;
import com.azure.storage.blob.options.BlobDownloadToFileOptions;
import com.azure.storage.blob.options.BlobInputStreamOptions;
import com.azure.storage.blob.options.BlockBlobCommitBlockListOptions;
import com.azure.storage.blob.options.BlockBlobSimpleUploadOptions;
import com.azure.storage.blob.specialized.BlobInputStream;
import com.azure.storage.blob.specialized.BlockBlobClient;
import com.azure.storage.common.ParallelTransferOptions;
import com.azure.storage.common.StorageSharedKeyCredential;
import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.common.policy.RetryPolicyType;
import io.pipewright.UserException;
import io.pipewright.spi.Datastore;
import io.pipewright.spi.DatastoreException;
import io.pipewright.spi.DatastoreKeys;
import io.pipewright.spi.NoSuchObjectException;
import io.pipewright.spi.StoredObject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A container (below an optional prefix) as a datastore: key {@code a/b} is the blob {@code PREFIX/a/b}.
 *
 * <p><b>Writes</b> stream: an object that fits in one block is sent in one request (Put Blob); a larger one is cut
 * into blocks of {@code blockSize}, staged {@code parallelism} at a time under block ids unique to this write, and
 * committed at the end (Put Block List), so the blob changes only when the whole object is there. The SHA-256 and MD5
 * of the content, computed while it streams, are committed with it: the SHA-256 as metadata {@code sha256}, the MD5
 * as Content-MD5; every request also carries its own MD5, which the service checks.
 *
 * <p><b>Reads</b> stream in blocks, pinned to the blob's ETag, so a blob replaced during a read fails the read rather
 * than mixing two versions; at the end the stream checks the SHA-256 (or else the Content-MD5) if the blob has one.
 * {@link #download} moves blocks in parallel into a file and checks it the same way.
 */
final class AzureBlobDatastore implements Datastore {
  static final String SHA256 = "sha256";
  /** Azure's limit of blocks in one blob. */
  private static final int MAX_BLOCKS = 50_000;
  private static final int MAX_NAME = 1024;
  private static final AtomicInteger THREADS = new AtomicInteger();

  private final AzureBlobSettings settings;
  private final BlobContainerClient container;
  private final ExecutorService transfers;
  private final String names; // the blob-name prefix of every key: "" or "PREFIX/"

  AzureBlobDatastore(AzureBlobSettings settings) {
    this.settings = settings;
    BlobServiceClientBuilder builder = new BlobServiceClientBuilder()
        .httpClient(new JdkHttpClientBuilder().connectionTimeout(Duration.ofSeconds(30)).build())
        .retryOptions(new RequestRetryOptions(RetryPolicyType.EXPONENTIAL, settings.maxTries, (Duration) null,
            Duration.ofSeconds(1), Duration.ofSeconds(30), null));
    if (settings.connectionString != null) {
      builder.connectionString(settings.connectionString);
      if (settings.endpoint != null) {
        builder.endpoint(settings.endpoint);
      }
    } else {
      builder.endpoint(settings.endpoint).credential(new StorageSharedKeyCredential(settings.account,
          settings.accountKey));
    }
    try {
      this.container = builder.buildClient().getBlobContainerClient(settings.container);
    } catch (IllegalArgumentException e) {
      // The SDK's own message could quote the connection string: never pass it on.
      throw new UserException(settings.uri + ": the SDK refused the credentials from " + settings.credentialSource
          + " or the endpoint " + settings.endpointForMessages() + " (" + e.getClass().getSimpleName() + ")");
    }
    this.names = settings.prefix.isEmpty() ? "" : settings.prefix + "/";
    this.transfers = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
        r -> {
          Thread t = new Thread(r, "pipewright-azureblob-" + THREADS.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
  }

  @Override
  public URI uri() {
    return settings.uri;
  }

  private String blobName(String key) {
    String name = names + key;
    if (name.length() > MAX_NAME) {
      throw new UserException(settings.uri + ": invalid datastore key " + DatastoreKeys.quote(key) + ": with the "
          + "prefix it is longer than Azure's " + MAX_NAME + " characters for a blob name");
    }
    return name;
  }

  // ---------------------------------------------------------------- write

  @Override
  public StoredObject write(String key, InputStream content) {
    BlockBlobClient blob = container.getBlobClient(blobName(key)).getBlockBlobClient();
    MessageDigest sha256 = digest("SHA-256");
    MessageDigest md5 = digest("MD5");
    byte[] block = readBlock(key, content);
    if (block.length < settings.blockSize) {
      sha256.update(block);
      byte[] contentMd5 = md5.digest(block);
      String hex = HexFormat.of().formatHex(sha256.digest());
      call("write", key, () -> blob.uploadWithResponse(new BlockBlobSimpleUploadOptions(BinaryData.fromBytes(block))
          .setHeaders(new BlobHttpHeaders().setContentMd5(contentMd5))
          .setContentMd5(contentMd5)
          .setMetadata(Map.of(SHA256, hex)), null, Context.NONE));
      return new StoredObject(key, block.length, hex, null);
    }
    String write = UUID.randomUUID().toString(); // block ids of this write only: concurrent writers never share one
    List<String> ids = new ArrayList<>();
    List<Future<?>> staged = new ArrayList<>();
    Semaphore inFlight = new Semaphore(settings.parallelism);
    long size = 0;
    boolean committed = false;
    try {
      for (byte[] data = block; data.length > 0; data = readBlock(key, content)) {
        if (ids.size() == MAX_BLOCKS) {
          throw new UserException(settings.uri + ": cannot write " + DatastoreKeys.quote(key) + ": more than "
              + MAX_BLOCKS + " blocks of " + settings.blockSize + " bytes -- raise the setting blockSize");
        }
        sha256.update(data);
        md5.update(data);
        size += data.length;
        String id = Base64.getEncoder().encodeToString(String.format("%s-%06d", write, ids.size())
            .getBytes(StandardCharsets.US_ASCII));
        ids.add(id);
        byte[] bytes = data;
        inFlight.acquire();
        failFast(staged);
        staged.add(transfers.submit(() -> {
          try {
            blob.stageBlockWithResponse(id, new ByteArrayInputStream(bytes), bytes.length,
                digest("MD5").digest(bytes), null, null, Context.NONE);
          } finally {
            inFlight.release();
          }
          return null;
        }));
      }
      for (Future<?> f : staged) {
        f.get();
      }
      String hex = HexFormat.of().formatHex(sha256.digest());
      byte[] contentMd5 = md5.digest();
      call("write", key, () -> blob.commitBlockListWithResponse(new BlockBlobCommitBlockListOptions(ids)
          .setHeaders(new BlobHttpHeaders().setContentMd5(contentMd5))
          .setMetadata(Map.of(SHA256, hex)), null, Context.NONE));
      committed = true;
      return new StoredObject(key, size, hex, null);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DatastoreException(settings.uri + ": writing " + DatastoreKeys.quote(key) + " was interrupted; "
          + "nothing was committed", e);
    } catch (ExecutionException e) {
      throw translate(e.getCause(), "write", key);
    } finally {
      if (!committed) {
        staged.forEach(f -> f.cancel(true)); // staged blocks never committed are dropped by the service
      }
    }
  }

  private static void failFast(List<Future<?>> staged) throws ExecutionException, InterruptedException {
    for (Future<?> f : staged) {
      if (f.isDone()) {
        f.get();
      }
    }
  }

  private byte[] readBlock(String key, InputStream content) {
    try {
      return content.readNBytes(settings.blockSize);
    } catch (IOException e) {
      throw new DatastoreException(settings.uri + ": cannot write " + DatastoreKeys.quote(key) + ": reading its "
          + "content failed: " + e + "; nothing was committed", e);
    }
  }

  // ---------------------------------------------------------------- read

  @Override
  public InputStream read(String key) {
    BlobClient blob = container.getBlobClient(blobName(key));
    BlobInputStream in = call("read", key, () -> blob.openInputStream(new BlobInputStreamOptions()
        .setBlockSize(settings.blockSize)));
    BlobProperties properties = in.getProperties();
    return new CheckedBlobStream(in, properties.getBlobSize(), expected(properties.getMetadata(),
        properties.getContentMd5()), settings.uri + ": object " + DatastoreKeys.quote(key));
  }

  /** The checksum the blob carries: its sha256 metadata, else its Content-MD5, else none. */
  private static CheckedBlobStream.Expected expected(Map<String, String> metadata, byte[] contentMd5) {
    String sha256 = metadata == null ? null : metadata.get(SHA256);
    if (sha256 != null && sha256.matches("[0-9a-f]{64}")) {
      return new CheckedBlobStream.Expected("SHA-256", sha256);
    }
    if (contentMd5 != null && contentMd5.length == 16) {
      return new CheckedBlobStream.Expected("MD5", HexFormat.of().formatHex(contentMd5));
    }
    return null;
  }

  @Override
  public StoredObject download(String key, Path target) {
    BlobClient blob = container.getBlobClient(blobName(key));
    Path absolute = target.toAbsolutePath();
    Path partial = absolute.resolveSibling("." + absolute.getFileName() + ".partial-" + UUID.randomUUID());
    try {
      Files.createDirectories(absolute.getParent());
      Response<BlobProperties> response = call("read", key, () -> blob.downloadToFileWithResponse(
          new BlobDownloadToFileOptions(partial.toString())
              .setParallelTransferOptions(new ParallelTransferOptions().setBlockSizeLong((long) settings.blockSize)
                  .setMaxConcurrency(settings.parallelism))
              .setOpenOptions(Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                  StandardOpenOption.READ)), null, Context.NONE));
      BlobProperties properties = response.getValue();
      CheckedBlobStream.Expected expected = expected(properties.getMetadata(), properties.getContentMd5());
      String sha256;
      long size;
      try (CheckedBlobStream check = new CheckedBlobStream(Files.newInputStream(partial), properties.getBlobSize(),
          expected, settings.uri + ": object " + DatastoreKeys.quote(key))) {
        size = check.transferTo(java.io.OutputStream.nullOutputStream());
        sha256 = check.sha256();
      }
      try (FileChannel channel = FileChannel.open(partial, StandardOpenOption.WRITE)) {
        channel.force(true);
      }
      Files.move(partial, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      return new StoredObject(key, size, sha256, properties.getLastModified() == null ? null
          : properties.getLastModified().toInstant());
    } catch (IOException e) {
      throw new DatastoreException(settings.uri + ": cannot copy " + DatastoreKeys.quote(key) + " to " + target
          + ": " + e.getMessage(), e);
    } finally {
      try {
        Files.deleteIfExists(partial);
      } catch (IOException e) {
        // left beside the target, named as partial
      }
    }
  }

  // ---------------------------------------------------------------- list, info, delete

  @Override
  public List<String> list(String prefix) {
    String below = names + (prefix.isEmpty() ? "" : prefix + "/");
    List<String> keys = new ArrayList<>();
    call("list", prefix, () -> {
      for (BlobItem item : container.listBlobs(new ListBlobsOptions().setPrefix(below.isEmpty() ? null : below)
          .setMaxResultsPerPage(5000), null)) {
        String key = item.getName().substring(names.length());
        if (DatastoreKeys.isValid(key) && !Boolean.TRUE.equals(item.isPrefix())) {
          keys.add(key);
        }
      }
      return null;
    });
    keys.sort(null);
    return keys;
  }

  @Override
  public Optional<StoredObject> info(String key) {
    BlobClient blob = container.getBlobClient(blobName(key));
    try {
      BlobProperties p = blob.getPropertiesWithResponse(null, null, Context.NONE).getValue();
      String sha256 = p.getMetadata() == null ? null : p.getMetadata().get(SHA256);
      return Optional.of(new StoredObject(key, p.getBlobSize(), sha256 != null && sha256.matches("[0-9a-f]{64}")
          ? sha256 : null, p.getLastModified() == null ? null : p.getLastModified().toInstant()));
    } catch (RuntimeException e) {
      RuntimeException translated = translate(e, "read", key);
      if (translated instanceof NoSuchObjectException) {
        return Optional.empty();
      }
      throw translated;
    }
  }

  @Override
  public boolean delete(String key) {
    BlobClient blob = container.getBlobClient(blobName(key));
    return call("delete", key, () -> blob.deleteIfExistsWithResponse(DeleteSnapshotsOptionType.INCLUDE, null, null,
        Context.NONE).getValue());
  }

  @Override
  public void close() {
    transfers.shutdownNow();
  }

  @Override
  public String toString() {
    return "AzureBlobDatastore[" + settings + "]";
  }

  // ---------------------------------------------------------------- errors

  private interface Call<T> {
    T run();
  }

  private <T> T call(String operation, String key, Call<T> call) {
    try {
      return call.run();
    } catch (RuntimeException e) {
      throw translate(e, operation, key);
    }
  }

  /**
   * One line for the user, naming the URI and never a secret. The SDK's exception stays the cause: its message holds
   * the service's reply and the request's URL with any SAS signature redacted, never an account key.
   */
  RuntimeException translate(Throwable e, String operation, String key) {
    if (e instanceof UserException || e instanceof DatastoreException) {
      return (RuntimeException) e;
    }
    String what = operation.equals("list") ? "list " + (key.isEmpty() ? "the objects" : "below "
        + DatastoreKeys.quote(key)) : operation + " " + DatastoreKeys.quote(key);
    BlobStorageException service = cause(e, BlobStorageException.class);
    if (service != null) {
      int status = service.getStatusCode();
      String code = service.getErrorCode() == null ? "" : service.getErrorCode().toString();
      if (status == 403 || code.startsWith("Authentication") || code.startsWith("Authorization")
          || code.equals("InvalidAuthenticationInfo") || code.equals("NoAuthenticationInformation")) {
        return new UserException(settings.uri + ": access denied (" + status + (code.isEmpty() ? "" : " " + code)
            + ") -- check the credentials from " + settings.credentialSource + " for account '" + settings.account
            + "'", e);
      }
      if (status == 404 && code.equals("ContainerNotFound")) {
        return new UserException(settings.uri + ": container '" + settings.container + "' does not exist in account '"
            + settings.account + "' -- create it, or fix the URI", e);
      }
      if (status == 404 && !operation.equals("list") && !operation.equals("delete")) {
        return new NoSuchObjectException(settings.uri.toString(), key);
      }
      if (code.equals("InvalidBlockList") || code.equals("InvalidBlockId")) {
        return new DatastoreException(settings.uri + ": cannot write " + DatastoreKeys.quote(key) + ": another "
            + "writer of the same key committed first and dropped this write's blocks (" + code + "); the object is "
            + "the other writer's -- write again to replace it", e);
      }
      if (status == 412 || code.equals("ConditionNotMet")) {
        return new DatastoreException(settings.uri + ": cannot " + what + ": it was replaced while being read ("
            + status + " " + code + ") -- read it again", e);
      }
      return new DatastoreException(settings.uri + ": cannot " + what + ": the service answered " + status
          + (code.isEmpty() ? "" : " " + code), e);
    }
    Throwable network = networkCause(e);
    if (network != null) {
      return new DatastoreException(settings.uri + ": cannot " + what + ": cannot reach "
          + settings.endpointForMessages() + " (" + network.getClass().getSimpleName()
          + (network.getMessage() == null ? "" : ": " + network.getMessage().lines().findFirst().orElse(""))
          + ") -- check the endpoint and the network", e);
    }
    return new DatastoreException(settings.uri + ": cannot " + what + ": " + e.getClass().getSimpleName(), e);
  }

  private static <X extends Throwable> X cause(Throwable e, Class<X> type) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    return null;
  }

  private static Throwable networkCause(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.net.ConnectException || t instanceof java.net.UnknownHostException
          || t instanceof java.net.http.HttpConnectTimeoutException || t instanceof java.net.NoRouteToHostException
          || t instanceof java.net.SocketTimeoutException || t instanceof java.nio.channels.ClosedChannelException) {
        return t;
      }
    }
    return null;
  }

  static MessageDigest digest(String algorithm) {
    try {
      return MessageDigest.getInstance(algorithm);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has " + algorithm, e);
    }
  }
}
