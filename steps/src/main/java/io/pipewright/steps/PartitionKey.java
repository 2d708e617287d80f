package io.pipewright.steps;

import io.pipewright.Fingerprint;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The reuse key of a partition: the SHA-256 over a length-prefixed encoding of
 *
 * <ol>
 *   <li>the tag {@link Parallel#KEY_TAG}, the version of these rules;
 *   <li>every component of the step's fingerprint but {@code input:<the partitioned input>}, by name and value, in
 *       their (sorted) order: the code (with a script's source folder, {@code code:source}), this declaration
 *       ({@code code:state}), parameters, other inputs, the target;
 *   <li>the partitioning ({@code files}, or {@code chunks rows=N header=B});
 *   <li>the partition's name and content hash.
 * </ol>
 *
 * Not in it, on purpose: the partition's index (adding a file must not recompute the partitions after it) and the
 * step's name. Changing this encoding invalidates every stored partition: a golden test pins it.
 */
final class PartitionKey {
  private final byte[] prefix;

  private PartitionKey(byte[] prefix) {
    this.prefix = prefix;
  }

  /**
   * The keys of a step execution, or empty when its partitions must not be reused: its body had no canonical state
   * or its code could not be read, and no version vouches for it (the engine does not reuse such a step either). A
   * body with no state at all is treated alike: a class of the user's that calls {@link Parallel#run} from its own
   * {@code run}, whose Parallel's function the fingerprint may not cover (its captured values, say).
   */
  static Optional<PartitionKey> of(Fingerprint fingerprint, String partitionedInput, String partitioning) {
    boolean vouched = fingerprint.component("code:version").isPresent();
    if (!vouched && (fingerprint.component("code:state").isEmpty()
        || fingerprint.component("code:unreadable").isPresent())) {
      return Optional.empty();
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    put(out, Parallel.KEY_TAG);
    String excluded = "input:" + partitionedInput;
    for (Fingerprint.Component c : fingerprint.components()) {
      if (!c.name().equals(excluded)) {
        put(out, c.name());
        put(out, c.value());
      }
    }
    put(out, "partitioning");
    put(out, partitioning);
    return Optional.of(new PartitionKey(out.toByteArray()));
  }

  /** The key of one partition: {@code sha256:<hex>}. */
  String of(String name, String contentHash) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(prefix);
    put(out, "partition");
    put(out, name);
    put(out, contentHash);
    try {
      return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(out.toByteArray()));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Appends {@code <byte length>:<UTF-8 bytes>}, so that no two sequences of texts encode alike. */
  private static void put(ByteArrayOutputStream out, String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    out.writeBytes((bytes.length + ":").getBytes(StandardCharsets.US_ASCII));
    out.writeBytes(bytes);
  }
}
