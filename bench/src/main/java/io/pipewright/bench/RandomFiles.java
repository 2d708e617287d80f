package io.pipewright.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.SplittableRandom;

/** Files of random bytes for the hashing benchmarks, written to disk and dated an hour back. */
final class RandomFiles {
  static final int MIB = 1 << 20;
  static final long GIB = 1L << 30;

  private RandomFiles() {}

  /**
   * Writes {@code size} bytes to {@code file} and forces them to disk, so that write-back does not run during the
   * measurement; the pages stay in the page cache, so what is measured is hashing, not the disk. The modification time
   * is set an hour back: inputs are usually old, and a file modified just before a manifest is not remembered.
   */
  static Path write(Path file, long size, long seed) {
    byte[] block = new byte[MIB];
    new SplittableRandom(seed).nextBytes(block);
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      for (long written = 0, n = 0; written < size; n++) {
        ByteBuffer buffer = ByteBuffer.wrap(block, 0, (int) Math.min(MIB, size - written));
        buffer.putLong(0, seed * 1_000_003 + n); // every block different
        while (buffer.hasRemaining()) {
          written += channel.write(buffer);
        }
      }
      channel.force(true);
      Files.setLastModifiedTime(file, FileTime.from(Instant.now().minus(Duration.ofHours(1))));
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("could not write " + file, e);
    }
  }

  /** {@code count} files of {@code totalSize / count} bytes each in a new folder {@code dir}. */
  static Path folder(Path dir, int count, long totalSize) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("could not create " + dir, e);
    }
    for (int i = 0; i < count; i++) {
      write(dir.resolve(String.format("part-%05d.bin", i)), totalSize / count, i + 1);
    }
    return dir;
  }
}
