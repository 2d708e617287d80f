package io.pipewright.bench;

import io.pipewright.internal.util.FileTrees;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
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
 * How to feed a file to {@link MessageDigest} SHA-256 fastest, on one thread: the choice behind FileHasher's read
 * loop. One 256 MiB file in the page cache per {@code strategy}; {@code memory} is the digest alone over a 1 MiB
 * array, the ceiling every strategy is compared with.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 6, time = 1)
@State(Scope.Benchmark)
public class ReadStrategyBenchmark {
  private static final long SIZE = 256L << 20;

  @Param({"memory", "stream-heap-64K", "stream-heap-1M", "channel-heap-1M", "channel-direct-64K",
      "channel-direct-256K", "channel-direct-1M", "channel-direct-4M", "mmap-64M"})
  public String strategy;

  private Path dir;
  private Path file;
  private byte[] block;

  @Setup(Level.Trial)
  public void create() throws IOException {
    dir = Files.createTempDirectory("pipewright-read-bench");
    file = RandomFiles.write(dir.resolve("data.bin"), SIZE, 1);
    block = new byte[RandomFiles.MIB];
  }

  @TearDown(Level.Trial)
  public void delete() {
    FileTrees.deleteRecursively(dir);
  }

  @Benchmark
  public byte[] sha256() throws Exception {
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    String[] parts = strategy.split("-");
    switch (parts[0]) {
      case "memory" -> {
        for (long done = 0; done < SIZE; done += block.length) {
          digest.update(block);
        }
      }
      case "stream" -> {
        byte[] buffer = new byte[size(parts[2])];
        try (InputStream in = new FileInputStream(file.toFile())) {
          for (int n; (n = in.read(buffer)) > 0; ) {
            digest.update(buffer, 0, n);
          }
        }
      }
      case "channel" -> {
        ByteBuffer buffer = parts[1].equals("direct")
            ? ByteBuffer.allocateDirect(size(parts[2])) : ByteBuffer.allocate(size(parts[2]));
        try (FileChannel channel = FileChannel.open(file)) {
          while (channel.read(buffer.clear()) >= 0) {
            digest.update(buffer.flip());
          }
        }
      }
      case "mmap" -> {
        long chunk = size(parts[1]);
        try (FileChannel channel = FileChannel.open(file)) {
          for (long at = 0; at < SIZE; at += chunk) {
            digest.update(channel.map(FileChannel.MapMode.READ_ONLY, at, Math.min(chunk, SIZE - at)));
          }
        }
      }
      default -> throw new IllegalArgumentException("unknown strategy " + strategy);
    }
    return digest.digest();
  }

  private static int size(String text) {
    int n = Integer.parseInt(text.substring(0, text.length() - 1));
    return text.endsWith("M") ? n << 20 : n << 10;
  }
}
