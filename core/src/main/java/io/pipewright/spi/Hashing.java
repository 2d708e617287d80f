package io.pipewright.spi;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Counts and hashes (SHA-256) what is read through it. Not thread-safe. */
final class Hashing extends FilterInputStream {
  private final MessageDigest digest;
  private long size;

  Hashing(InputStream in) {
    super(in);
    try {
      this.digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  @Override
  public int read() throws IOException {
    int b = in.read();
    if (b >= 0) {
      digest.update((byte) b);
      size++;
    }
    return b;
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    int n = in.read(buffer, offset, length);
    if (n > 0) {
      digest.update(buffer, offset, n);
      size += n;
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    byte[] buffer = new byte[8192];
    long skipped = 0;
    while (skipped < n) {
      int r = read(buffer, 0, (int) Math.min(buffer.length, n - skipped));
      if (r < 0) {
        break;
      }
      skipped += r;
    }
    return skipped; // read, not skipped: the hash covers every byte
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  long size() {
    return size;
  }

  /** The lower-case hex SHA-256 of what was read; call once, at the end. */
  String sha256() {
    return HexFormat.of().formatHex(digest.digest());
  }
}
