package io.pipewright.internal.fingerprint;

import io.pipewright.Fingerprint;
import io.pipewright.Fingerprint.Component;
import io.pipewright.internal.util.FileTrees;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;

/**
 * The canonical encoding of a fingerprint. Changing anything here changes every fingerprint and so invalidates every
 * user's reusable outputs: it must be a deliberate decision, with {@link #FORMAT} raised. Golden tests pin it.
 *
 * <p>Encoding: the components sorted by name (so the order of declarations does not matter), each as the tag byte
 * {@code 'C'}, then its name and its value, each as a 4-byte big-endian length and that many UTF-8 bytes. Lengths make
 * the encoding unambiguous: no pair of names and values can run into another.
 */
public final class Fingerprints {
  /** The version of the encoding and of the rules for what goes into a fingerprint; a component of its own. */
  public static final String FORMAT = "1";

  private Fingerprints() {}

  /**
   * The fingerprint of these components; the {@code format} component is added.
   *
   * @throws IllegalArgumentException if two components have the same name
   */
  public static Fingerprint of(List<Component> components) {
    List<Component> sorted = new ArrayList<>(components.size() + 1);
    sorted.add(new Component("format", FORMAT));
    sorted.addAll(components);
    sorted.sort(Comparator.comparing(Component::name));
    for (int i = 1; i < sorted.size(); i++) {
      if (sorted.get(i).name().equals(sorted.get(i - 1).name())) {
        throw new IllegalArgumentException("fingerprint component '" + sorted.get(i).name() + "' appears twice");
      }
    }
    MessageDigest digest = FileTrees.newSha256();
    for (Component c : sorted) {
      digest.update((byte) 'C');
      update(digest, c.name());
      update(digest, c.value());
    }
    return new Fingerprint("sha256:" + HexFormat.of().formatHex(digest.digest()), sorted);
  }

  private static void update(MessageDigest digest, String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    digest.update(ByteBuffer.allocate(4).putInt(bytes.length).array());
    digest.update(bytes);
  }

  /** The SHA-256 of a text, as {@code sha256:<hex>}: for values too long to keep as a component value. */
  public static String sha256(String text) {
    return "sha256:" + HexFormat.of().formatHex(FileTrees.newSha256().digest(text.getBytes(StandardCharsets.UTF_8)));
  }
}
