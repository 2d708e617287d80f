package io.pipewright.internal.hash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.pipewright.DataFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Manifests equal to hashing every file; files read once per version; clear errors. */
class FileHasherTest {
  private static final int BIG = 3 * (1 << 20) + 17; // more than the default buffer, not a multiple of it

  /** A minute ahead, so that files written by a test count as settled (see racy-file tests for the window). */
  private static final Clock AHEAD = Clock.offset(Clock.systemUTC(), Duration.ofMinutes(1));

  @TempDir
  Path tmp;

  private Path data;
  private ExecutorService pool;

  @BeforeEach
  void createTree() throws IOException {
    pool = Executors.newFixedThreadPool(4);
    data = tmp.resolve("data");
    write(data.resolve("a.csv"), random(1, 100));
    write(data.resolve("empty.txt"), new byte[0]);
    write(data.resolve("big.bin"), random(2, BIG));
    write(data.resolve("nested/b/c/deep.txt"), random(3, 5000));
    write(data.resolve("nested/b/other.json"), random(4, 1));
    write(data.resolve("with space/ü.txt"), random(5, 70_000));
    write(data.resolve(".hidden"), random(6, 10));
    Files.createDirectories(data.resolve("nested/empty-folder"));
  }

  @AfterEach
  void stopPool() {
    pool.shutdownNow();
  }

  private FileHasher.Builder hasher() {
    return FileHasher.builder(pool).clock(AHEAD);
  }

  @ParameterizedTest(name = "buffer {0}, parallelism {1}")
  @CsvSource({"1048576, 1", "1048576, 4", "4096, 2", "7, 3"})
  void producesTheSameManifestAsHashingEveryFileInTurn(int bufferSize, int parallelism) throws IOException {
    FileHasher hasher = hasher().bufferSize(bufferSize).parallelism(parallelism).build();

    List<DataFile> manifest = hasher.manifest(data, data);

    assertThat(manifest).isEqualTo(reference(data, data));
    assertThat(manifest).extracting(DataFile::path).containsExactly(
        ".hidden", "a.csv", "big.bin", "empty.txt", "nested/b/c/deep.txt", "nested/b/other.json", "with space/ü.txt");
    assertThat(hasher.stats().bytesRead()).isEqualTo(BIG + 100 + 5000 + 1 + 70_000 + 10);
  }

  @Test
  void namesFilesRelativeToTheRootWhenTheInputIsBelowIt() throws IOException {
    FileHasher hasher = hasher().build();

    assertThat(hasher.manifest(data, data.resolve("nested")))
        .isEqualTo(reference(data, data.resolve("nested")))
        .extracting(DataFile::path).containsExactly("nested/b/c/deep.txt", "nested/b/other.json");
    assertThat(hasher.manifest(data.resolve("nested/b/c"), data.resolve("nested/b/c/deep.txt")))
        .isEqualTo(reference(data.resolve("nested/b/c"), data.resolve("nested/b/c/deep.txt")))
        .extracting(DataFile::path).containsExactly("deep.txt");
  }

  @Test
  void acceptsRelativeAndUnnormalisedPaths() throws IOException {
    FileHasher hasher = hasher().build();
    Path relative = Path.of("").toAbsolutePath().relativize(data);

    assertThat(hasher.manifest(relative, data.resolve("nested/../nested/b/..")))
        .isEqualTo(reference(data, data.resolve("nested")));
  }

  @Test
  void doesNotReadUnchangedFilesAgain() {
    InMemoryHashMemo memo = new InMemoryHashMemo();
    FileHasher hasher = hasher().memo(memo).build();
    List<DataFile> first = hasher.manifest(data, data);
    long keysAsked = memo.keysAsked();

    List<DataFile> second = hasher.manifest(data, data);

    assertThat(second).isEqualTo(first);
    assertThat(hasher.stats()).isEqualTo(new FileHasher.Stats(14, 7, 0, 7, BIG + 75_111));
    assertThat(memo.keysAsked()).as("the memo is not asked for what the cache knows").isEqualTo(keysAsked);
  }

  @Test
  void readsAFileAgainWhenItsContentAndModificationTimeChanged() throws IOException {
    FileHasher hasher = hasher().build();
    hasher.manifest(data, data);
    Path file = data.resolve("nested/b/c/deep.txt");
    FileTime before = Files.getLastModifiedTime(file);
    write(file, random(7, 5000));
    Files.setLastModifiedTime(file, FileTime.from(before.toInstant().plusMillis(1)));

    List<DataFile> manifest = hasher.manifest(data, data);

    assertThat(manifest).isEqualTo(reference(data, data));
    assertThat(hasher.stats().reads()).isEqualTo(8);
    assertThat(hasher.stats().bytesRead()).isEqualTo(BIG + 75_111 + 5000);
  }

  @Test
  @DisabledOnOs(OS.WINDOWS)
  void readsAFileAgainWhenItIsReplacedByAnotherWithTheSameSizeAndTime() throws IOException {
    FileHasher hasher = hasher().build();
    hasher.manifest(data, data);
    Path file = data.resolve("a.csv");
    BasicFileAttributes before = Files.readAttributes(file, BasicFileAttributes.class);
    Path replacement = write(tmp.resolve("replacement"), random(8, 100));
    Files.setLastModifiedTime(replacement, before.lastModifiedTime());
    Files.move(replacement, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    BasicFileAttributes after = Files.readAttributes(file, BasicFileAttributes.class);
    assertThat(after.lastModifiedTime()).isEqualTo(before.lastModifiedTime());
    assertThat(after.fileKey()).isNotEqualTo(before.fileKey());

    List<DataFile> manifest = hasher.manifest(data, data);

    assertThat(manifest).isEqualTo(reference(data, data));
    assertThat(manifest.get(1).sha256()).isEqualTo(sha256(random(8, 100)));
    assertThat(hasher.stats().reads()).isEqualTo(8);
  }

  @Test
  void consultsThePersistentMemoBeforeReadingAFile() {
    InMemoryHashMemo memo = new InMemoryHashMemo();
    List<DataFile> first = hasher().memo(memo).build().manifest(data, data);
    assertThat(memo.size()).isEqualTo(7);
    FileHasher fresh = hasher().memo(memo).build();

    List<DataFile> second = fresh.manifest(data, data);

    assertThat(second).isEqualTo(first);
    assertThat(fresh.stats()).isEqualTo(new FileHasher.Stats(7, 0, 7, 0, 0));
    assertThat(memo.keysFound()).isEqualTo(7);
  }

  @Test
  void withoutACacheStillSkipsFilesTheMemoKnows() {
    InMemoryHashMemo memo = new InMemoryHashMemo();
    FileHasher hasher = hasher().memo(memo).maximumCachedFiles(0).build();
    hasher.manifest(data, data);

    hasher.manifest(data, data);

    assertThat(hasher.stats()).isEqualTo(new FileHasher.Stats(14, 0, 7, 7, BIG + 75_111));
  }

  @Test
  void keepsAStaleMemoEntryFromBeingUsedForANewVersionOfTheFile() throws IOException {
    InMemoryHashMemo memo = new InMemoryHashMemo();
    hasher().memo(memo).build().manifest(data, data);
    Path file = data.resolve("a.csv");
    write(file, random(9, 101));

    FileHasher fresh = hasher().memo(memo).build();

    assertThat(fresh.manifest(data, data)).isEqualTo(reference(data, data));
    assertThat(fresh.stats().reads()).isEqualTo(1);
    assertThat(memo.size()).as("the new version is stored under its own key").isEqualTo(8);
  }

  @ParameterizedTest(name = "modified {0} ms before the manifest, sub-second part {1}: remembered {2}")
  @CsvSource({"10, 123456789, false", "30, 123456789, true", "1000, 0, false", "3000, 0, true", "-5000, 1, false"})
  void remembersOnlyFilesModifiedLongEnoughBeforeTheManifestStarted(long ageMillis, int nanos, boolean remembered)
      throws IOException {
    Path file = data.resolve("a.csv");
    Instant modified = Instant.parse("2026-01-01T12:00:00Z").plusNanos(nanos);
    Files.setLastModifiedTime(file, FileTime.from(modified));
    Clock clock = Clock.fixed(modified.plusMillis(ageMillis), ZoneOffset.UTC);
    InMemoryHashMemo memo = new InMemoryHashMemo();
    FileHasher hasher = FileHasher.builder(pool).clock(clock).memo(memo).build();

    hasher.manifest(data, file);
    hasher.manifest(data, file);

    assertThat(hasher.stats().reads()).isEqualTo(remembered ? 1 : 2);
    assertThat(memo.size()).isEqualTo(remembered ? 1 : 0);
  }

  @Test
  @DisabledOnOs(OS.WINDOWS)
  void followsLinksToFilesAndNeverLinksToFoldersSoLoopsCannotHang() throws IOException {
    Path outside = write(tmp.resolve("elsewhere/outside.csv"), random(10, 300));
    Files.createSymbolicLink(data.resolve("link-to-a.csv"), Path.of("a.csv"));
    Files.createSymbolicLink(data.resolve("nested/link-outside.csv"), outside);
    Files.createSymbolicLink(data.resolve("nested/b/loop"), Path.of(".."));
    Files.createSymbolicLink(data.resolve("nested/self"), Path.of("."));
    Files.createSymbolicLink(data.resolve("to-elsewhere"), outside.getParent());
    Files.createSymbolicLink(data.resolve("dangling"), Path.of("no-such-file"));
    FileHasher hasher = hasher().build();

    List<DataFile> manifest = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> hasher.manifest(data, data));

    assertThat(manifest).isEqualTo(reference(data, data));
    assertThat(manifest).extracting(DataFile::path)
        .contains("link-to-a.csv", "nested/link-outside.csv")
        .doesNotContain("dangling", "to-elsewhere/outside.csv")
        .noneMatch(p -> p.contains("loop") || p.contains("self"));
  }

  @Test
  @DisabledOnOs(OS.WINDOWS)
  void followsTheInputItselfWhenItIsALinkToAFolder() throws IOException {
    Path link = Files.createSymbolicLink(tmp.resolve("data-link"), data);
    FileHasher hasher = hasher().build();

    assertThat(hasher.manifest(tmp, link)).isEqualTo(hasher.manifest(tmp, data).stream()
        .map(f -> new DataFile(f.path().replaceFirst("^data/", "data-link/"), f.size(), f.sha256())).toList());
    assertThat(hasher.manifest(link, link)).isEqualTo(reference(data, data));
  }

  @Test
  @DisabledOnOs(OS.WINDOWS)
  void reportsALinkChainThatLoopsByItsPath() throws IOException {
    Files.createSymbolicLink(data.resolve("x"), Path.of("y"));
    Files.createSymbolicLink(data.resolve("y"), Path.of("x"));
    FileHasher hasher = hasher().build();

    assertThatThrownBy(() -> hasher.manifest(data, data))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageMatching("cannot read input file " + data.resolve("[xy]") + ": Too many levels of symbolic links"
            + " or unable to access attributes of symbolic link");
  }

  @Test
  void reportsAMissingInputByItsPath() {
    FileHasher hasher = hasher().build();
    Path missing = data.resolve("missing.csv");

    assertThatThrownBy(() -> hasher.manifest(data, missing))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessage("cannot read input " + missing + ": No such file or directory")
        .hasCauseInstanceOf(NoSuchFileException.class);
  }

  @Test
  void reportsAFileThatDisappearsBeforeItIsReadByItsPath() {
    Path victim = data.resolve("nested/b/other.json");
    FileHasher hasher = FileHasher.builder(task -> {
      deleteQuietly(victim);
      task.run();
    }).clock(AHEAD).parallelism(2).build();

    assertThatThrownBy(() -> hasher.manifest(data, data))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessage("cannot read input file " + victim + ": No such file or directory")
        .hasCauseInstanceOf(NoSuchFileException.class);
  }

  @Test
  @DisabledOnOs(OS.WINDOWS)
  void reportsAnUnreadableFileByItsPath() throws IOException {
    Path file = data.resolve("nested/b/c/deep.txt");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("---------"));
    assumeThat(Files.isReadable(file)).as("root reads everything").isFalse();
    FileHasher hasher = hasher().build();

    assertThatThrownBy(() -> hasher.manifest(data, data))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessage("cannot read input file " + file + ": Permission denied")
        .hasCauseInstanceOf(AccessDeniedException.class);
  }

  @Test
  @DisabledOnOs(OS.WINDOWS)
  void reportsAnUnreadableFolderByItsPath() throws IOException {
    Path folder = data.resolve("nested/b");
    Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("---------"));
    try {
      assumeThat(Files.isReadable(folder)).as("root reads everything").isFalse();
      FileHasher hasher = hasher().build();

      assertThatThrownBy(() -> hasher.manifest(data, data))
          .isInstanceOf(UncheckedIOException.class)
          .hasMessage("cannot read input folder " + folder + ": Permission denied")
          .hasCauseInstanceOf(AccessDeniedException.class);
    } finally {
      Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwx------")); // so @TempDir can delete
    }
  }

  @Test
  void stopsAndKeepsTheInterruptWhenTheCallingThreadIsInterrupted() {
    FileHasher hasher = hasher().parallelism(1).build();
    Path file = data.resolve("big.bin");

    Thread.currentThread().interrupt();
    try {
      assertThatThrownBy(() -> hasher.manifest(data, file))
          .isInstanceOf(UncheckedIOException.class)
          .hasMessage("cannot read input file " + file + ": interrupted");
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }
  }

  @Test
  void rejectsAnInputOutsideItsRoot() {
    FileHasher hasher = hasher().build();

    assertThatThrownBy(() -> hasher.manifest(data.resolve("nested"), data.resolve("a.csv")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("input " + data.resolve("a.csv") + " is not under its root " + data.resolve("nested"));
  }

  @Test
  void usesAtMostParallelismMinusOneHelpersAndTheCallingThread() {
    AtomicInteger submitted = new AtomicInteger();
    FileHasher hasher = FileHasher.builder(task -> {
      submitted.incrementAndGet();
      pool.execute(task);
    }).clock(AHEAD).parallelism(3).build();

    assertThat(hasher.manifest(data, data)).hasSize(7);
    assertThat(submitted).hasValue(2);
    assertThat(hasher.manifest(data, data)).hasSize(7);
    assertThat(submitted).as("nothing to read, nothing submitted").hasValue(2);
  }

  @Test
  void hashesOnTheCallingThreadWhenTheExecutorRejectsEveryTask() throws IOException {
    FileHasher hasher = FileHasher.builder(task -> {
      throw new RejectedExecutionException("shut down");
    }).clock(AHEAD).build();

    assertThat(hasher.manifest(data, data)).isEqualTo(reference(data, data));
  }

  @Test
  void rejectsBadOptionsNamingTheValue() {
    assertThatThrownBy(() -> FileHasher.builder(pool).parallelism(0))
        .hasMessage("parallelism must be >= 1, was 0");
    assertThatThrownBy(() -> FileHasher.builder(pool).maximumCachedFiles(-1))
        .hasMessage("maximumCachedFiles must be >= 0, was -1");
    assertThatThrownBy(() -> FileHasher.builder(pool).bufferSize(0))
        .hasMessage("bufferSize must be >= 1, was 0");
  }

  /** Hashing every regular file in turn, as FileTrees did before FileHasher. */
  private static List<DataFile> reference(Path root, Path input) throws IOException {
    List<Path> files = new ArrayList<>();
    if (Files.isRegularFile(input)) {
      files.add(input);
    } else {
      try (Stream<Path> walk = Files.walk(input)) {
        walk.filter(Files::isRegularFile).forEach(files::add);
      }
    }
    List<DataFile> manifest = new ArrayList<>();
    for (Path file : files) {
      String relative = root.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
      byte[] content = Files.readAllBytes(file);
      manifest.add(new DataFile(relative, content.length, sha256(content)));
    }
    manifest.sort(Comparator.comparing(DataFile::path));
    return manifest;
  }

  private static String sha256(byte[] content) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  private static byte[] random(long seed, int size) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  private static Path write(Path file, byte[] content) throws IOException {
    Files.createDirectories(file.getParent());
    return Files.write(file, content);
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
