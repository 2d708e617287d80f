package io.pipewright;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What makes a step execution what it is: its code, the parameters it uses, the content of its inputs and its
 * environment, each as a named component, and the SHA-256 over all of them. Two executions with the same fingerprint
 * compute the same outputs, so the second can reuse the first's. The components are kept, so any two executions can
 * be compared component by component to say why one ran. See docs/reuse.md for every rule.
 *
 * @param hash {@code sha256:<hex>} over the canonical encoding of the components
 * @param components sorted by name
 */
public record Fingerprint(String hash, List<Component> components) {
  public Fingerprint {
    Objects.requireNonNull(hash, "hash");
    components = List.copyOf(components);
  }

  /** The first 12 hex digits of the hash, enough to tell fingerprints apart when shown. */
  public String shortHash() {
    return hash.substring("sha256:".length(), "sha256:".length() + 12);
  }

  public Optional<Component> component(String name) {
    return components.stream().filter(c -> c.name().equals(name)).findFirst();
  }

  /**
   * One named part of a fingerprint.
   *
   * @param name what it is: {@code format}, {@code code:class:NAME}, {@code code:library:JAR}, {@code code:version},
   *     {@code code:state}, {@code param:NAME}, {@code input:NAME}, {@code env:target}
   * @param value its canonical value: a hash, or a short canonical text such as a parameter's JSON
   */
  public record Component(String name, String value) {
    public Component {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(value, "value");
    }

    @Override
    public String toString() {
      return name + "=" + value;
    }
  }
}
