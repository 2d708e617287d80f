package io.pipewright.steps;

import io.pipewright.DataFile;
import io.pipewright.Dataset;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.zip.GZIPInputStream;

/**
 * The partitions of a Dataset, one at a time, so that chunks are cut while earlier partitions run and at most a few
 * chunk files exist at once. Used by the step's own thread only.
 */
abstract class PartitionSource implements AutoCloseable {
  /** The next partition, or null when there are no more. */
  abstract Partition next() throws IOException;

  /** Whether a partition's files are temporary: deleted once the partition is done. */
  abstract boolean temporary();

  @Override
  public void close() throws IOException {}

  /** One partition per file, in manifest order. */
  static PartitionSource files(Dataset data) {
    return new PerFile(data);
  }

  /**
   * Chunks of {@code rows} lines of each file, in manifest order, cut into files under {@code work}.
   *
   * @param header whether each file's first line is a header, copied to the top of each of its chunks
   */
  static PartitionSource chunks(Dataset data, int rows, boolean header, Path work) {
    return new Chunks(data, rows, header, work);
  }

  private static final class PerFile extends PartitionSource {
    private final Dataset data;
    private int next;

    PerFile(Dataset data) {
      this.data = data;
    }

    @Override
    Partition next() {
      if (next == data.files().size()) {
        return null;
      }
      DataFile file = data.files().get(next);
      return new Partition(next++, file.path(), List.of(data.root().resolve(file.path())), Optional.empty(),
          "sha256:" + file.sha256());
    }

    @Override
    boolean temporary() {
      return false;
    }
  }

  private static final class Chunks extends PartitionSource {
    private final Dataset data;
    private final int rows;
    private final boolean header;
    private final Path work;
    private int file = -1;
    private int index;
    private Lines lines; // of the current file
    private byte[] headerLine;
    private long row; // index of the next row of the current file

    Chunks(Dataset data, int rows, boolean header, Path work) {
      this.data = data;
      this.rows = rows;
      this.header = header;
      this.work = work;
    }

    @Override
    Partition next() throws IOException {
      while (true) {
        if (lines == null && !openNextFile()) {
          return null;
        }
        Partition chunk = cut();
        if (chunk != null) {
          return chunk;
        }
        lines.close();
        lines = null;
      }
    }

    private boolean openNextFile() throws IOException {
      if (++file == data.files().size()) {
        return false;
      }
      lines = Lines.open(data.root().resolve(data.files().get(file).path()));
      row = 0;
      headerLine = new byte[0];
      if (header) {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        lines.copyLine(line);
        headerLine = line.toByteArray(); // without a line break only when no row follows: no chunk then
      }
      return true;
    }

    /** The next chunk of the current file, or null when it has no more rows. */
    private Partition cut() throws IOException {
      String source = data.files().get(file).path();
      Path folder = Files.createDirectories(work.resolve(Integer.toString(index)));
      Path chunk = folder.resolve(fileName(source, lines.gzip));
      MessageDigest sha256 = sha256();
      long count = 0;
      try (OutputStream out = new DigestOutputStream(new BufferedOutputStream(Files.newOutputStream(chunk), 1 << 16),
          sha256)) {
        out.write(headerLine);
        while (count < rows && lines.copyLine(out)) {
          count++;
        }
      }
      if (count == 0) {
        Files.delete(chunk);
        Files.delete(folder);
        return null;
      }
      long first = row;
      row += count;
      return new Partition(index++, source + "#" + first + "-" + (first + count - 1), List.of(chunk),
          Optional.of(new Partition.Rows(source, first, count)), "sha256:" + HexFormat.of().formatHex(sha256.digest()));
    }

    @Override
    boolean temporary() {
      return true;
    }

    @Override
    public void close() throws IOException {
      if (lines != null) {
        lines.close();
        lines = null;
      }
    }

    /** The chunk is named like its file, so that a function that looks at the extension sees the same. */
    private static String fileName(String source, boolean gzip) {
      String name = source.substring(source.lastIndexOf('/') + 1);
      return gzip && name.endsWith(".gz") && name.length() > 3 ? name.substring(0, name.length() - 3) : name;
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The lines of a file, as bytes, each with its line break: copying them all gives the file back. */
  private static final class Lines implements AutoCloseable {
    private final InputStream in;
    final boolean gzip;
    private final byte[] buffer = new byte[1 << 16];
    private int position;
    private int limit;

    private Lines(InputStream in, boolean gzip) {
      this.in = in;
      this.gzip = gzip;
    }

    /** Opens a file, decompressing it when it starts with the gzip magic bytes, whatever its name. */
    static Lines open(Path file) throws IOException {
      InputStream in = new BufferedInputStream(Files.newInputStream(file));
      try {
        in.mark(2);
        boolean gzip = in.read() == 0x1f && in.read() == 0x8b;
        in.reset();
        return new Lines(gzip ? new GZIPInputStream(in, 1 << 16) : in, gzip);
      } catch (IOException | RuntimeException e) {
        in.close();
        throw e;
      }
    }

    /** Copies the next line, with its {@code \n} if it has one, to {@code out}; false when there is none. */
    boolean copyLine(OutputStream out) throws IOException {
      boolean copied = false;
      while (true) {
        if (position == limit) {
          int read = in.read(buffer);
          if (read <= 0) {
            position = limit = 0;
            return copied;
          }
          position = 0;
          limit = read;
        }
        int start = position;
        while (position < limit && buffer[position] != '\n') {
          position++;
        }
        boolean ended = position < limit;
        if (ended) {
          position++;
        }
        out.write(buffer, start, position - start);
        copied = true;
        if (ended) {
          return true;
        }
      }
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }
}
