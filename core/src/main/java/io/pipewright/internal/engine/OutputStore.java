package io.pipewright.internal.engine;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.pipewright.DataFile;
import io.pipewright.Dataset;
import io.pipewright.internal.fingerprint.Fingerprints;
import io.pipewright.internal.hash.FileHasher;
import io.pipewright.internal.util.FileTrees;
import io.pipewright.internal.util.Json;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The local datastore's layout for step outputs: content-addressed, so that equal outputs are stored once and a
 * cache entry can name its outputs by hash. A step writes into a private staging folder per attempt; only when the
 * step succeeded does the engine flush the files to disk, move the folder into place and write its manifest, last. A
 * crash therefore leaves staging debris or a folder without a manifest, never an output that looks complete but is
 * not.
 *
 * <pre>
 * data/objects/AB/ABCDEF.../...     files of a Dataset or Model output whose content hash is sha256:ABCDEF...
 * data/objects/AB/ABCDEF....json    its manifest (type, hash, files, metadata; or type, hash, value)
 * tmp/RUN/STEP/ATTEMPT/OUTPUT/...   staging, removed when the run ends
 * </pre>
 */
public final class OutputStore {
  private static final TypeReference<List<DataFile>> FILES = new TypeReference<>() {};
  private static final TypeReference<Map<String, Object>> METADATA = new TypeReference<>() {};
  private static final int MAX_VERIFIED = 100_000;
  /** Files modified more recently than this are checked in full again: a change within the clock's step could hide. */
  private static final Duration SETTLED = Duration.ofSeconds(2);

  private final Path objects;
  private final Path tmp;
  private final FileHasher hasher;
  private volatile RemoteObjects mirror;
  private final Cache<String, Verified> verified = Caffeine.newBuilder().maximumSize(MAX_VERIFIED)
      .executor(Runnable::run).build();

  /** @param hasher hashes files, remembering what it hashed: outputs are checked against it before reuse */
  public OutputStore(Path data, Path tmp, FileHasher hasher) {
    this.objects = data.resolve("objects");
    this.tmp = tmp;
    this.hasher = hasher;
  }

  /** Mirrors this store in a datastore from now on (see {@link #publish} and {@link #loadOrFetch}). */
  void mirrorTo(RemoteObjects remote) {
    this.mirror = remote;
  }

  /** Copies a stored output to the workspace's datastore, if the store is mirrored; safe to repeat. */
  public void publish(StoredOutput output) {
    RemoteObjects remote = mirror;
    if (remote != null) {
      remote.push(output);
    }
  }

  /**
   * {@link #load}, copying the output from the workspace's datastore first when this machine lacks it and the store
   * is mirrored. Blocks while it copies: not for the engine's scheduler, which copies off its lock.
   */
  public Optional<StoredOutput> loadOrFetch(String contentHash) {
    Optional<StoredOutput> here = load(contentHash);
    RemoteObjects remote = mirror;
    if (here.isPresent() || remote == null) {
      return here;
    }
    return remote.pull(contentHash, this) ? load(contentHash) : Optional.empty();
  }

  /** The manifest of the files under a folder (or of one file, relative to its folder). */
  public List<DataFile> manifest(Path fileOrFolder) {
    Path root = Files.isDirectory(fileOrFolder) ? fileOrFolder : fileOrFolder.getParent();
    return hasher.manifest(root, fileOrFolder);
  }

  /** The SHA-256 of one file, as {@code sha256:<hex>}. */
  public String hashFile(Path file) {
    return "sha256:" + hasher.manifest(file.getParent(), file).get(0).sha256();
  }

  public Path staging(String runId, String step, int attempt) {
    return tmp.resolve(runId).resolve(step).resolve(Integer.toString(attempt));
  }

  public Path runStaging(String runId) {
    return tmp.resolve(runId);
  }

  /** The content hash of a files output: its type, its manifest and its metadata. */
  public static String contentHash(Class<?> type, List<DataFile> files, Map<String, Object> metadata) {
    ObjectNode content = Json.MAPPER.createObjectNode();
    content.put("type", type.getSimpleName());
    content.set("files", Json.MAPPER.valueToTree(files));
    content.set("metadata", Json.MAPPER.valueToTree(metadata));
    return Fingerprints.sha256(Json.write(content));
  }

  /** The content hash of a value output: its type and its canonical JSON. */
  public static String contentHash(Class<?> type, JsonNode value) {
    ObjectNode content = Json.MAPPER.createObjectNode();
    content.put("type", type.getSimpleName());
    content.set("value", value);
    return Fingerprints.sha256(Json.write(content));
  }

  private Path folder(String contentHash) {
    String hex = contentHash.substring("sha256:".length());
    return objects.resolve(hex.substring(0, 2)).resolve(hex);
  }

  private Path manifestOf(String contentHash) {
    Path folder = folder(contentHash);
    return folder.resolveSibling(folder.getFileName() + ".json");
  }

  /**
   * Stores a files output from staging under its content hash and writes its manifest. When equal content is stored
   * already, the staged copy is dropped. Synchronized: runs of one process commit one output at a time (two
   * processes committing equal content at the same moment are not yet kept apart).
   *
   * @param files the manifest computed over the staged files
   */
  public synchronized StoredOutput commitFiles(Class<?> type, Path staged, List<DataFile> files,
      Map<String, Object> metadata) throws IOException {
    String hash = contentHash(type, files, metadata);
    Path target = folder(hash);
    Path manifest = manifestOf(hash);
    if (load(hash).isPresent()) {
      FileTrees.deleteRecursively(staged); // equal content is stored already, intact
    } else {
      Files.deleteIfExists(manifest); // damaged content under this hash: replaced, manifest last
      for (DataFile f : files) {
        fsync(staged.resolve(f.path()));
      }
      FileTrees.deleteRecursively(target); // a folder without a manifest is what a crash left: never trust it
      Files.createDirectories(target.getParent());
      move(staged, target);
      fsync(target.getParent());
      writeManifest(manifest, filesManifest(type, hash, files, metadata));
    }
    return new StoredOutput(hash, type, target, files, metadata, null, manifest);
  }

  /** The manifest of an output of files, as stored next to its folder. */
  static ObjectNode filesManifest(Class<?> type, String hash, List<DataFile> files, Map<String, Object> metadata) {
    ObjectNode content = Json.MAPPER.createObjectNode();
    content.put("type", type.getSimpleName());
    content.put("hash", hash);
    content.set("files", Json.MAPPER.valueToTree(files));
    content.set("metadata", Json.MAPPER.valueToTree(metadata));
    return content;
  }

  /** Stores a Metrics or JSON value output: its manifest is all there is. */
  public synchronized StoredOutput commitValue(Class<?> type, JsonNode value) throws IOException {
    String hash = contentHash(type, value);
    Path manifest = manifestOf(hash);
    if (!Files.exists(manifest)) {
      Files.createDirectories(manifest.getParent());
      ObjectNode content = Json.MAPPER.createObjectNode();
      content.put("type", type.getSimpleName());
      content.put("hash", hash);
      content.set("value", value);
      writeManifest(manifest, content);
    }
    return new StoredOutput(hash, type, null, List.of(), Map.of(), value, manifest);
  }

  /**
   * A stored output, if it is still intact: its manifest reads and matches its hash, and the files under its folder
   * are exactly those it lists, with their sizes and hashes (files unchanged since they were last hashed are not
   * read again). Anything else (deleted or edited by hand, truncated, a manifest that does not parse) is reported as
   * absent, so the step runs again.
   */
  public Optional<StoredOutput> load(String contentHash) {
    Verified known = verified.getIfPresent(contentHash);
    if (known != null && known.stamps().equals(stamps(known.output()))) {
      return Optional.of(known.output()); // nothing under it changed since it was checked
    }
    List<Stamp> before = null;
    Optional<StoredOutput> loaded = Optional.empty();
    try {
      before = stamps(manifestOf(contentHash), folder(contentHash));
      loaded = verify(contentHash);
    } catch (IOException | RuntimeException e) {
      // not there, or changing: checked in full next time
    }
    if (loaded.isPresent() && before != null && settled(before) && before.equals(stamps(loaded.get()))) {
      verified.put(contentHash, new Verified(loaded.get(), before));
    } else {
      verified.invalidate(contentHash);
    }
    return loaded;
  }

  /**
   * An output found intact, and what its files and folders looked like then: while they look the same (size,
   * modification time, inode), it is still intact, as the hash memo assumes for any file.
   */
  private record Verified(StoredOutput output, List<Stamp> stamps) {}

  private record Stamp(Path path, long size, long modifiedNanos, Object fileKey) {}

  private List<Stamp> stamps(StoredOutput output) {
    try {
      return stamps(output.manifest(), output.dir());
    } catch (IOException | RuntimeException e) {
      return List.of(); // gone: equals no stamps of an output that was there
    }
  }

  /** The manifest, and every folder and file under {@code dir} (if not null), in walk order. */
  private static List<Stamp> stamps(Path manifest, Path dir) throws IOException {
    List<Stamp> stamps = new ArrayList<>();
    stamps.add(stamp(manifest, Files.readAttributes(manifest, BasicFileAttributes.class,
        LinkOption.NOFOLLOW_LINKS)));
    if (dir != null && Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      Files.walkFileTree(dir, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attributes) {
          stamps.add(stamp(d, attributes));
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
          stamps.add(stamp(file, attributes));
          return FileVisitResult.CONTINUE;
        }
      });
    }
    return stamps;
  }

  private static Stamp stamp(Path path, BasicFileAttributes attributes) {
    return new Stamp(path, attributes.size(), TimeUnit.NANOSECONDS.convert(attributes.lastModifiedTime()
        .toInstant().getEpochSecond(), TimeUnit.SECONDS) + attributes.lastModifiedTime().toInstant().getNano(),
        attributes.fileKey());
  }

  /** Whether nothing was modified so recently that a later change could keep its modification time. */
  private boolean settled(List<Stamp> stamps) {
    long limit = System.currentTimeMillis() * 1_000_000L - SETTLED.toNanos();
    return stamps.stream().allMatch(s -> s.modifiedNanos() < limit);
  }

  private Optional<StoredOutput> verify(String contentHash) {
    Path manifest = manifestOf(contentHash);
    try {
      JsonNode content = Json.MAPPER.readTree(Files.readString(manifest));
      Class<?> type = OutputTypes.named(content.path("type").asText());
      if (type == null || !contentHash.equals(content.path("hash").asText())) {
        return Optional.empty();
      }
      if (!OutputTypes.isFiles(type)) {
        return Optional.of(new StoredOutput(contentHash, type, null, List.of(), Map.of(), content.get("value"),
            manifest));
      }
      List<DataFile> files = Json.MAPPER.convertValue(content.get("files"), FILES);
      Map<String, Object> metadata = Json.MAPPER.convertValue(content.get("metadata"), METADATA);
      Path dir = folder(contentHash);
      if (!Files.isDirectory(dir) || !hasher.manifest(dir, dir).equals(files)) {
        return Optional.empty();
      }
      return Optional.of(new StoredOutput(contentHash, type, dir, files, metadata == null ? Map.of() : metadata,
          null, manifest));
    } catch (IOException | RuntimeException e) {
      return Optional.empty(); // missing or unreadable: not reusable, and running the step again repairs it
    }
  }

  /** Reads an external file or folder as a Dataset, hashing the files not hashed before. */
  public Dataset external(Path path) {
    Path root = Files.isDirectory(path) ? path : path.getParent();
    return new Dataset(root, hasher.manifest(root, path));
  }

  private static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to);
    }
  }

  private static void writeManifest(Path file, JsonNode manifest) throws IOException {
    Path partial = file.resolveSibling(file.getFileName() + ".partial");
    Files.writeString(partial, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(manifest));
    fsync(partial);
    try {
      Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING);
    }
    fsync(file.getParent());
  }

  /** Flushes a file, or a folder's entries, to the disk. Folders cannot be flushed on every OS; that is tolerated. */
  private static void fsync(Path path) throws IOException {
    boolean folder = Files.isDirectory(path);
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException e) {
      if (!folder) {
        throw e;
      }
    }
  }

  // ---------------------------------------------------------------- for garbage collection

  /** The folder holding every stored output: {@code data/objects}. */
  public Path objectsFolder() {
    return objects;
  }

  /** The folder holding the runs' staging folders: {@code tmp}. */
  public Path stagingFolder() {
    return tmp;
  }

  /**
   * The content hash a location names ({@code .../AB/HEX} or {@code .../AB/HEX.json}, as {@link
   * StoredOutput#location()} gives it), or empty if it is not in this store.
   */
  public Optional<String> hashOfLocation(String location) {
    // By names only: another process may have opened the workspace by another path (a link, a mount).
    Path path = Path.of(location);
    Path shard = path.getParent();
    if (shard == null || shard.getParent() == null || shard.getParent().getFileName() == null
        || !shard.getParent().getFileName().toString().equals(objects.getFileName().toString())) {
      return Optional.empty();
    }
    String name = path.getFileName().toString();
    String hex = name.endsWith(".json") ? name.substring(0, name.length() - ".json".length()) : name;
    return hex.matches("[0-9a-f]{64}") && hex.startsWith(shard.getFileName().toString())
        ? Optional.of("sha256:" + hex) : Optional.empty();
  }

  /**
   * Removes a stored output: its manifest first, so that no reader ever sees a manifest whose files are gone, then
   * a partial manifest if a crash left one, then its folder. Synchronized with commits, so that it never interleaves
   * with one in this process. Missing parts are fine.
   */
  public synchronized void delete(String contentHash) throws IOException {
    verified.invalidate(contentHash);
    Path manifest = manifestOf(contentHash);
    Files.deleteIfExists(manifest);
    Files.deleteIfExists(manifest.resolveSibling(manifest.getFileName() + ".partial"));
    FileTrees.deleteRecursively(folder(contentHash));
  }
}
