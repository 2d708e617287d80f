package io.pipewright.datastore.azureblob;

import com.azure.storage.blob.models.BlobStorageException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Passes a blob's bytes through, hashing them; at the end, checks the size and the checksum the blob carries and
 * throws an {@link IOException} naming the object if either differs. Not thread-safe.
 */
final class CheckedBlobStream extends FilterInputStream {
  /** A checksum a blob carries: an algorithm ("SHA-256", "MD5") and its lower-case hex value. */
  record Expected(String algorithm, String hex) {}

  private final long size;
  private final Expected expected;
  private final String object;
  private final MessageDigest sha256 = AzureBlobDatastore.digest("SHA-256");
  private final MessageDigest other;
  private long read;
  private String sha256Hex;

  /** @param object the object, for messages: "azureblob://acct/ctr: object 'k'" */
  CheckedBlobStream(InputStream in, long size, Expected expected, String object) {
    super(in);
    this.size = size;
    this.expected = expected;
    this.object = object;
    this.other = expected != null && !expected.algorithm().equals("SHA-256")
        ? AzureBlobDatastore.digest(expected.algorithm()) : null;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    if (length == 0) {
      return 0;
    }
    int n;
    try {
      n = in.read(buffer, offset, length);
    } catch (IOException e) {
      throw explained(e);
    }
    if (n < 0) {
      finish();
      return -1;
    }
    sha256.update(buffer, offset, n);
    if (other != null) {
      other.update(buffer, offset, n);
    }
    read += n;
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
    return skipped; // read, not skipped: the check covers every byte
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  /** One line naming the object, instead of the service's XML reply. */
  private IOException explained(IOException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof BlobStorageException service) {
        if (service.getStatusCode() == 412) {
          return new IOException(object + " was replaced while being read (412 ConditionNotMet) -- read it again", e);
        }
        return new IOException(object + ": reading failed: the service answered " + service.getStatusCode()
            + (service.getErrorCode() == null ? "" : " " + service.getErrorCode()), e);
      }
    }
    return new IOException(object + ": reading failed: " + e.getMessage(), e);
  }

  private void finish() throws IOException {
    if (sha256Hex != null) {
      return;
    }
    sha256Hex = HexFormat.of().formatHex(sha256.digest());
    if (read != size) {
      throw new IOException(object + " is damaged: " + read + " bytes read, " + size + " stored");
    }
    if (expected != null) {
      String actual = other == null ? sha256Hex : HexFormat.of().formatHex(other.digest());
      if (!actual.equals(expected.hex())) {
        throw new IOException(object + " is damaged: its " + expected.algorithm() + " is " + actual + ", "
            + expected.hex() + " was stored with it");
      }
    }
  }

  /** The SHA-256 of the bytes read, once the end was reached. */
  String sha256() {
    return sha256Hex;
  }
}
