package io.pipewright.internal.fingerprint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pipewright.Fingerprint;
import io.pipewright.Fingerprint.Component;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Golden tests: they pin the encoding. If one fails, every user's reusable outputs would be invalidated by the change:
 * make sure that is intended, raise {@link Fingerprints#FORMAT}, and only then update the expected hashes. The
 * expected hash was computed independently of this code (a few lines of Python over the documented encoding).
 */
class FingerprintsTest {
  private static final List<Component> COMPONENTS = List.of(
      new Component("code:class:com.acme.Train", "5f2c0d8e0b9b1a4c7e3d2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c"),
      new Component("param:epochs", "30"),
      new Component("input:data", "sha256:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"),
      new Component("env:target", "local"));

  @Test
  void theEncodingIsPinned() {
    Fingerprint fingerprint = Fingerprints.of(COMPONENTS);

    assertThat(fingerprint.hash())
        .isEqualTo("sha256:9b9214f62816b9491b94b3b2ee180c0fc192495870972263851ec466eeeca5f0");
  }

  @Test
  void theComponentsAreSortedByNameWithTheFormatAdded() {
    Fingerprint fingerprint = Fingerprints.of(COMPONENTS);

    assertThat(fingerprint.components()).extracting(Component::name).containsExactly("code:class:com.acme.Train",
        "env:target", "format", "input:data", "param:epochs");
    assertThat(fingerprint.component("format")).contains(new Component("format", Fingerprints.FORMAT));
  }

  @Test
  void theOrderOfDeclarationDoesNotMatter() {
    List<Component> reversed = new ArrayList<>(COMPONENTS);
    java.util.Collections.reverse(reversed);

    assertThat(Fingerprints.of(reversed)).isEqualTo(Fingerprints.of(COMPONENTS));
  }

  @Test
  void lengthPrefixesKeepNamesAndValuesFromRunningIntoEachOther() {
    Fingerprint a = Fingerprints.of(List.of(new Component("param:ab", "c")));
    Fingerprint b = Fingerprints.of(List.of(new Component("param:a", "bc")));

    assertThat(a.hash()).isNotEqualTo(b.hash());
  }

  @Test
  void everyValueChangesTheHash() {
    for (int i = 0; i < COMPONENTS.size(); i++) {
      List<Component> changed = new ArrayList<>(COMPONENTS);
      changed.set(i, new Component(COMPONENTS.get(i).name(), COMPONENTS.get(i).value() + "x"));
      assertThat(Fingerprints.of(changed).hash()).as(changed.get(i).name())
          .isNotEqualTo(Fingerprints.of(COMPONENTS).hash());
    }
  }

  @Test
  void refusesTwoComponentsOfOneName() {
    assertThatThrownBy(() -> Fingerprints.of(List.of(new Component("param:a", "1"), new Component("param:a", "2"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("fingerprint component 'param:a' appears twice");
  }

  @Test
  void canonicalJsonIgnoresKeyOrderAndSetOrder() throws Exception {
    Map<String, Object> ab = new LinkedHashMap<>();
    ab.put("a", 1);
    ab.put("b", List.of(2.5, "x"));
    Map<String, Object> ba = new TreeMap<>(java.util.Comparator.reverseOrder());
    ba.putAll(ab);

    assertThat(Canonical.json(ab)).isEqualTo(Canonical.json(ba)).isEqualTo("{\"a\":1,\"b\":[2.5,\"x\"]}");
    assertThat(Canonical.json(Set.of("z", "a", "m"))).isEqualTo("[\"a\",\"m\",\"z\"]");
    assertThat(Canonical.json(30)).isEqualTo(Canonical.json(30L)).isEqualTo("30");
    assertThat(Canonical.json(30.0)).isEqualTo("30.0");
    assertThat(Canonical.json(new Point(1, 2))).isEqualTo("{\"@record\":\"" + Point.class.getName()
        + "\",\"x\":1,\"y\":2}");
  }

  @Test
  void refusesValuesWithoutACanonicalFormNamingTheType() {
    assertThatThrownBy(() -> Canonical.json(List.of(new Object())))
        .isInstanceOf(Canonical.NotCanonicalException.class)
        .hasMessage("value[0] is a java.lang.Object, which has no canonical form");
    assertThatThrownBy(() -> Canonical.json(Double.NaN))
        .isInstanceOf(Canonical.NotCanonicalException.class)
        .hasMessage("value is NaN, which has no canonical form");
  }

  record Point(int x, int y) {}
}
