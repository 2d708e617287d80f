package io.pipewright.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.pipewright.UserException;
import io.pipewright.spi.Datastore;
import io.pipewright.spi.DatastoreException;
import io.pipewright.spi.DatastoreKeys;
import io.pipewright.spi.NoSuchObjectException;
import io.pipewright.spi.StoredObject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link Datastore} must do, as JUnit 5 tests: extend it, open a new, empty datastore in {@link
 * #openEmpty()}, and the adapter is checked for round trips (empty, small, large and streamed objects), nested keys,
 * sorted listing below a prefix, overwriting, deleting, {@code exists}, refusal of every bad key with nothing written,
 * concurrent writers and readers of one key, and the error for a missing key.
 *
 * <p>Concurrency, as the contract has it: writers racing for one key each either succeed or fail with a {@link
 * DatastoreException} (a blob store may turn away a writer whose staged blocks another writer's commit dropped); at
 * least one succeeds, and the key then holds one writer's complete object. A reader gets one complete version, or an
 * {@link IOException} naming the key if the object was replaced while it read (blob stores) -- never a mix.
 *
 * <pre>{@code
 * class MyDatastoreTest extends DatastoreContract {
 *   @Override
 *   protected Datastore openEmpty() {
 *     return Datastores.open("mystore://bucket/test-" + UUID.randomUUID());
 *   }
 * }
 * }</pre>
 *
 * The datastore should come from {@link io.pipewright.spi.Datastores#open} (or be wrapped with {@link
 * io.pipewright.spi.Datastores#checked}), which checks keys before the adapter sees them. No test measures time.
 */
public abstract class DatastoreContract {
  /** Keys every datastore refuses, each with a one-line message naming it. */
  protected static final List<String> BAD_KEYS = List.of("", "/absolute", "/", "C:/windows", "../up",
      "a/../../escape", "a/..", "..", "./a", "a/./b", "nul\0byte", "back\\slash", "a\\..\\b", "a//b", "a/",
      "line\nbreak", ".pipewright-partial-x", "a/.pipewright", "x".repeat(DatastoreKeys.MAX_LENGTH + 1));

  private Datastore store;

  /**
   * A new datastore holding no objects, for one test; the kit closes it after the test. Called once per test.
   */
  protected abstract Datastore openEmpty() throws Exception;

  /** The size of the large object: several MB, over any block or chunk size the adapter uses in its tests. */
  protected long largeSize() {
    return 6L * 1024 * 1024 + 4321;
  }

  /** How many writers race for one key. */
  protected int concurrentWriters() {
    return 4;
  }

  /** The size of each concurrent writer's object. */
  protected int concurrentObjectSize() {
    return 300 * 1024 + 17;
  }

  /** The datastore under test. */
  protected final Datastore store() {
    return store;
  }

  @BeforeEach
  final void openStore() throws Exception {
    store = openEmpty();
    assertNotNull(store, "openEmpty() returned null");
    assertEquals(List.of(), store.list(""), "openEmpty() must give an empty datastore");
  }

  @AfterEach
  final void closeStore() {
    if (store != null) {
      store.close();
    }
  }

  @Test
  void roundTripsAnEmptyObject() {
    StoredObject stored = store.write("empty", InputStream.nullInputStream());
    assertEquals(new StoredObject("empty", 0, sha256(new byte[0]), null), stored);
    assertArrayEquals(new byte[0], read("empty"));
    assertEquals(0, store.info("empty").orElseThrow().size());
    assertEquals(List.of("empty"), store.list(""));
  }

  @Test
  void roundTripsASmallObjectAndReportsItsSizeAndHash() {
    byte[] content = "hello, datastore\n".getBytes(StandardCharsets.UTF_8);
    StoredObject stored = store.write("hello.txt", new ByteArrayInputStream(content));
    assertEquals("hello.txt", stored.key());
    assertEquals(content.length, stored.size());
    assertEquals(sha256(content), stored.sha256());
    assertArrayEquals(content, read("hello.txt"));
    StoredObject info = store.info("hello.txt").orElseThrow();
    assertEquals(content.length, info.size());
    assertNotNull(info.lastModified(), "info gives the modification time");
    if (info.sha256() != null) {
      assertEquals(sha256(content), info.sha256());
    }
  }

  @Test
  void streamsALargeObjectInAndOut() throws IOException {
    long size = largeSize();
    StoredObject stored = store.write("large/object.bin", new Generated(size, 42));
    String expected = sha256Of(new Generated(size, 42));
    assertEquals(size, stored.size());
    assertEquals(expected, stored.sha256());
    try (InputStream in = store.read("large/object.bin")) {
      assertEquals(expected, sha256Of(in));
    }
    assertEquals(size, store.info("large/object.bin").orElseThrow().size());
  }

  @Test
  void uploadsAndDownloadsFiles(@TempDir Path temp) throws IOException {
    Path source = temp.resolve("source.bin");
    try (InputStream in = new Generated(largeSize() / 3, 7)) {
      Files.copy(in, source);
    }
    StoredObject uploaded = store.upload("files/source.bin", source);
    assertEquals(Files.size(source), uploaded.size());
    Path target = temp.resolve("down/under/target.bin");
    StoredObject downloaded = store.download("files/source.bin", target);
    assertEquals(uploaded.sha256(), downloaded.sha256());
    assertEquals(Files.size(source), downloaded.size());
    assertArrayEquals(Files.readAllBytes(source), Files.readAllBytes(target));
    try (var left = Files.list(target.getParent())) {
      assertEquals(List.of(target), left.toList(), "only the target is left in its folder");
    }
  }

  @Test
  void downloadingAMissingKeyLeavesTheTargetAlone(@TempDir Path temp) throws IOException {
    Path target = temp.resolve("target.bin");
    Files.writeString(target, "before");
    assertThrows(NoSuchObjectException.class, () -> store.download("missing", target));
    assertEquals("before", Files.readString(target));
    try (var left = Files.list(temp)) {
      assertEquals(List.of(target), left.toList());
    }
  }

  @Test
  void storesNestedKeys() {
    write("a/b/c/d.txt", "deep");
    write("a/top.txt", "top");
    assertEquals("deep", text("a/b/c/d.txt"));
    assertEquals(List.of("a/b/c/d.txt", "a/top.txt"), store.list("a"));
    assertEquals(List.of("a/b/c/d.txt"), store.list("a/b"));
  }

  @Test
  void listsSortedKeysOnlyBelowThePrefix() {
    for (String key : List.of("p/b", "p/a", "p/sub/c", "p2/x", "px", "q", "p-", "P/upper")) {
      write(key, key);
    }
    assertEquals(List.of("p/a", "p/b", "p/sub/c"), store.list("p"));
    assertEquals(List.of("p/a", "p/b", "p/sub/c"), store.list("p/"));
    assertEquals(List.of("p/sub/c"), store.list("p/sub"));
    assertEquals(List.of("P/upper", "p-", "p/a", "p/b", "p/sub/c", "p2/x", "px", "q"), store.list(""));
    assertEquals(List.of(), store.list("none"));
    assertEquals(List.of(), store.list("q"), "an object is not a prefix of itself");
  }

  @Test
  void keepsKeysWithSpacesAndNonAsciiLetters() {
    write("with space/naïve ☃ file.txt", "unicode");
    assertEquals("unicode", text("with space/naïve ☃ file.txt"));
    assertEquals(List.of("with space/naïve ☃ file.txt"), store.list("with space"));
  }

  @Test
  void overwritesAnObject() {
    write("k", "first, and longer than the second");
    write("k", "second");
    assertEquals("second", text("k"));
    assertEquals(6, store.info("k").orElseThrow().size());
    assertEquals(List.of("k"), store.list(""));
  }

  @Test
  void deletesAnObjectAndToleratesAMissingOne() {
    write("gone/soon", "x");
    assertTrue(store.delete("gone/soon"));
    assertFalse(store.exists("gone/soon"));
    assertThrows(NoSuchObjectException.class, () -> store.read("gone/soon"));
    assertFalse(store.delete("gone/soon"), "a second delete finds nothing");
    assertFalse(store.delete("never/there"));
    assertEquals(List.of(), store.list(""));
  }

  @Test
  void existsOnlyForObjects() {
    write("dir/file", "x");
    assertTrue(store.exists("dir/file"));
    assertFalse(store.exists("dir"), "a prefix is not an object");
    assertFalse(store.exists("missing"));
    assertTrue(store.info("missing").isEmpty());
    assertTrue(store.info("dir").isEmpty());
  }

  @Test
  void readingAMissingKeyFailsNamingIt() {
    NoSuchObjectException e = assertThrows(NoSuchObjectException.class, () -> store.read("no/such/key"));
    assertEquals("no/such/key", e.key());
    assertEquals(store.uri() + ": no object 'no/such/key'", e.getMessage());
  }

  @Test
  void refusesEveryBadKeyWithoutWritingAnything(@TempDir Path temp) throws IOException {
    Path file = Files.writeString(temp.resolve("f"), "x");
    List<Executable> checks = new ArrayList<>();
    for (String key : BAD_KEYS) {
      String quoted = DatastoreKeys.quote(key);
      for (Map.Entry<String, Executable> op : Map.<String, Executable>of(
          "write", () -> store.write(key, new ByteArrayInputStream(new byte[] {1})),
          "upload", () -> store.upload(key, file),
          "read", () -> store.read(key),
          "download", () -> store.download(key, temp.resolve("out")),
          "exists", () -> store.exists(key),
          "info", () -> store.info(key),
          "delete", () -> store.delete(key)).entrySet()) {
        checks.add(() -> {
          UserException e = assertThrows(UserException.class, op.getValue(), op.getKey() + " " + quoted);
          assertTrue(e.getMessage().contains("invalid datastore key " + quoted + ": "),
              op.getKey() + ": the message names the key: " + e.getMessage());
          assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        });
      }
    }
    org.junit.jupiter.api.Assertions.assertAll(checks);
    for (String prefix : List.of("/", "../x", "a//", "back\\slash/")) {
      assertThrows(UserException.class, () -> store.list(prefix), "list " + DatastoreKeys.quote(prefix));
    }
    assertEquals(List.of(), store.list(""), "nothing was written");
    assertFalse(Files.exists(temp.resolve("out")));
    assertNothingWrittenOutside();
  }

  /**
   * Checks, beyond the datastore's own listing, that the refused keys wrote nothing: an adapter with a backing
   * folder or container may look there. Does nothing by default.
   */
  protected void assertNothingWrittenOutside() throws IOException {}

  @Test
  void aFailingStreamLeavesThePreviousObject() {
    write("kept", "previous");
    InputStream failing = failingAfter(largeSize() / 4);
    DatastoreException e = assertThrows(DatastoreException.class, () -> store.write("kept", failing));
    assertTrue(e.getMessage().contains("'kept'"), e.getMessage());
    assertEquals("previous", text("kept"));
    assertThrows(DatastoreException.class, () -> store.write("fresh", failingAfter(0)));
    assertFalse(store.exists("fresh"));
    assertEquals(List.of("kept"), store.list(""));
  }

  @Test
  void concurrentWritersLeaveOneCompleteObjectAndReadersNeverSeeAPartOne() throws Exception {
    int writers = concurrentWriters();
    int size = concurrentObjectSize();
    Map<String, Integer> writerOfHash = new ConcurrentHashMap<>();
    for (int w = 0; w < writers; w++) {
      writerOfHash.put(sha256Of(new Generated(size, 100 + w)), w);
    }
    write("race", "before");
    writerOfHash.put(sha256("before".getBytes(StandardCharsets.UTF_8)), -1);
    ExecutorService pool = Executors.newFixedThreadPool(writers + 1);
    try {
      CountDownLatch start = new CountDownLatch(1);
      AtomicBoolean writing = new AtomicBoolean(true);
      List<Future<StoredObject>> writes = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        int seed = 100 + w;
        writes.add(pool.submit(() -> {
          start.await();
          return store.write("race", new Generated(size, seed));
        }));
      }
      Set<String> seen = ConcurrentHashMap.newKeySet();
      java.util.concurrent.atomic.AtomicInteger failedReads = new java.util.concurrent.atomic.AtomicInteger();
      Future<?> reader = pool.submit(() -> {
        start.await();
        do {
          try (InputStream in = store.read("race")) {
            seen.add(sha256Of(in));
          } catch (IOException e) {
            // A blob store may fail a read whose object was replaced during it (rather than mix two versions).
            assertTrue(e.getMessage().contains("'race'"), "the failed read names the key: " + e.getMessage());
            failedReads.incrementAndGet();
          }
        } while (writing.get());
        return null;
      });
      start.countDown();
      List<Integer> succeeded = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        try {
          writes.get(w).get();
          succeeded.add(w);
        } catch (java.util.concurrent.ExecutionException e) {
          // A blob store may turn a writer away when another commits first: allowed, if it says so.
          if (!(e.getCause() instanceof DatastoreException)) {
            throw e;
          }
        }
      }
      writing.set(false);
      reader.get();
      assertFalse(succeeded.isEmpty(), "at least one writer succeeded");
      String last;
      try (InputStream in = store.read("race")) {
        last = sha256Of(in);
      }
      Integer winner = writerOfHash.get(last);
      assertNotNull(winner, "the object is one writer's complete object");
      assertTrue(winner >= 0, "a writer's object replaced the previous one");
      for (String hash : seen) {
        assertTrue(writerOfHash.containsKey(hash), "a reader saw only complete objects");
      }
      assertEquals(List.of("race"), store.list(""), "no partial objects are listed");
    } finally {
      pool.shutdownNow();
    }
  }

  // ---------------------------------------------------------------- helpers

  /** Writes a UTF-8 string. */
  protected final StoredObject write(String key, String content) {
    return store.write(key, new ByteArrayInputStream(content.getBytes(StandardCharsets.UTF_8)));
  }

  /** Reads an object whole. */
  protected final byte[] read(String key) {
    try (InputStream in = store.read(key)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads an object as UTF-8. */
  protected final String text(String key) {
    return new String(read(key), StandardCharsets.UTF_8);
  }

  /** A stream that gives {@code bytes} pseudo-random bytes, then throws an {@link IOException}. */
  protected static InputStream failingAfter(long bytes) {
    return new java.io.FilterInputStream(new Generated(bytes + 1, 3)) {
      private long read;

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (read >= bytes) {
          throw new IOException("source broke after " + bytes + " bytes");
        }
        int n = super.read(b, off, (int) Math.min(len, bytes - read));
        read += Math.max(n, 0);
        return n;
      }
    };
  }

  /** The lower-case hex SHA-256 of some bytes. */
  protected static String sha256(byte[] bytes) {
    return HexFormat.of().formatHex(digest().digest(bytes));
  }

  /** The lower-case hex SHA-256 of a stream, read to its end in small pieces. */
  protected static String sha256Of(InputStream in) throws IOException {
    MessageDigest digest = digest();
    byte[] buffer = new byte[16 * 1024];
    for (int n; (n = in.read(buffer)) >= 0; ) {
      digest.update(buffer, 0, n);
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  private static MessageDigest digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A stream of {@code size} pseudo-random bytes from {@code seed}, made as it is read: large objects never sit in
   * memory in the test either.
   */
  protected static class Generated extends InputStream {
    private final Random random;
    private long left;

    public Generated(long size, long seed) {
      this.random = new Random(seed);
      this.left = size;
    }

    @Override
    public int read() {
      if (left <= 0) {
        return -1;
      }
      left--;
      return random.nextInt(256);
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (left <= 0) {
        return -1;
      }
      int n = (int) Math.min(len, left);
      for (int i = 0; i < n; i++) {
        b[off + i] = (byte) random.nextInt(256);
      }
      left -= n;
      return n;
    }
  }
}
