package io.pipewright.bench;

import io.pipewright.DataFile;
import io.pipewright.internal.hash.FileHasher;
import io.pipewright.internal.hash.InMemoryHashMemo;
import io.pipewright.internal.util.FileTrees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Input hashing with {@link FileHasher}: 1 GiB of data per operation, in 1, 8 or 1,000 files.
 *
 * <ul>
 *   <li>{@link #digestInMemory}: the JDK's SHA-256 alone on one core (a 1 MiB array digested 1,024 times), the rate
 *       hashing one new file is compared with (target: at least 80 % of it).
 *   <li>{@code new*}: a new hasher for each operation, so every file is read and hashed; the files are in the page
 *       cache, so this is the hashing path, not the disk.
 *   <li>{@code recheck*}: the same 1,000 files, unchanged, listed again with the in-memory cache warm (target: under
 *       20 ms), or with a fresh cache and the persistent memo warm (an in-memory stand-in for the run store).
 * </ul>
 *
 * <p>Workers run on a fixed pool of as many threads as processors, the calling thread being one of them. Data is
 * created once per trial in a temporary folder and deleted after.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 8, time = 2)
public class HashingBenchmark {
  /** A temporary folder and a pool for the hashers' workers. */
  @State(Scope.Benchmark)
  public abstract static class Data {
    Path dir;
    ExecutorService pool;

    abstract void create(Path dir);

    @Setup(Level.Trial)
    public void setUp() throws IOException {
      dir = Files.createTempDirectory("pipewright-hash-bench");
      pool = Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors());
      create(dir);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      pool.shutdownNow();
      FileTrees.deleteRecursively(dir);
    }

    FileHasher newHasher() {
      return FileHasher.builder(pool).build();
    }
  }

  /** 1 GiB in one file, read through buffers of {@code bufferSize} bytes. */
  public static class OneFile extends Data {
    @Param({"262144", "1048576"})
    public int bufferSize;

    @Override
    FileHasher newHasher() {
      return FileHasher.builder(pool).bufferSize(bufferSize).build();
    }

    @Override
    void create(Path dir) {
      RandomFiles.write(dir.resolve("data.bin"), RandomFiles.GIB, 1);
    }
  }

  /** 1 GiB in 8 files of 128 MiB. */
  public static class EightFiles extends Data {
    @Override
    void create(Path dir) {
      RandomFiles.folder(dir, 8, RandomFiles.GIB);
    }
  }

  /** 1 GiB in 1,000 files of about 1 MiB, hashed once in setup by {@link #warm}, which also filled {@link #memo}. */
  public static class ThousandFiles extends Data {
    final InMemoryHashMemo memo = new InMemoryHashMemo();
    FileHasher warm;

    @Override
    void create(Path dir) {
      RandomFiles.folder(dir, 1000, RandomFiles.GIB);
      warm = FileHasher.builder(pool).memo(memo).build();
      warm.manifest(dir, dir);
      if (memo.size() != 1000) {
        throw new IllegalStateException("expected 1000 remembered files, the memo has " + memo.size());
      }
    }
  }

  /** A 1 MiB array for the in-memory digest. */
  @State(Scope.Thread)
  public static class Block {
    final byte[] bytes = new byte[RandomFiles.MIB];
  }

  @Benchmark
  public byte[] digestInMemory(Block block) throws Exception {
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    for (int i = 0; i < 1024; i++) {
      digest.update(block.bytes);
    }
    return digest.digest();
  }

  @Benchmark
  public List<DataFile> newOneFile(OneFile data) {
    return checked(data.newHasher().manifest(data.dir, data.dir), 1);
  }

  @Benchmark
  public List<DataFile> newEightFiles(EightFiles data) {
    return checked(data.newHasher().manifest(data.dir, data.dir), 8);
  }

  @Benchmark
  public List<DataFile> newThousandFiles(ThousandFiles data) {
    return checked(data.newHasher().manifest(data.dir, data.dir), 1000);
  }

  @Benchmark
  public List<DataFile> recheckThousandFiles(ThousandFiles data) {
    return checked(data.warm.manifest(data.dir, data.dir), 1000);
  }

  @Benchmark
  public List<DataFile> recheckThousandFilesFromMemo(ThousandFiles data) {
    return checked(FileHasher.builder(data.pool).memo(data.memo).build().manifest(data.dir, data.dir), 1000);
  }

  private static List<DataFile> checked(List<DataFile> manifest, int files) {
    if (manifest.size() != files) {
      throw new IllegalStateException("expected " + files + " files, the manifest has " + manifest.size());
    }
    return manifest;
  }
}
