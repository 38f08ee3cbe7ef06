package dev.tether.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ObjectKeysTest {
  private static final String UID = "6f1c2d3e-0000-4000-8000-00000000abcd";

  @Test
  void sessionPrefixIsUnderTheNamespace() {
    assertThat(ObjectKeys.sessionPrefix("tether/", "team-a", "chat", UID)).isEqualTo("tether/team-a/chat/" + UID + "/");
    assertThat(ObjectKeys.sessionPrefix(null, "team-a", "chat", UID)).isEqualTo("team-a/chat/" + UID + "/");
    assertThat(ObjectKeys.sessionPrefix("tether", "team-a", "chat", UID))
        .startsWith(ObjectKeys.namespacePrefix("tether", "team-a"));
  }

  @Test
  void blobKeysRoundTripTheirSequence() {
    String prefix = ObjectKeys.sessionPrefix("", "ns", "s", UID);
    String key = ObjectKeys.blob(prefix, 42, 7);
    assertThat(key).isEqualTo(prefix + "00000000000000000042-00000000000000000007.blob");
    assertThat(ObjectKeys.sequenceOf(prefix, key)).contains(42L);
    assertThat(ObjectKeys.sequenceOf(prefix, prefix + "other")).isEmpty();
    assertThat(ObjectKeys.sequenceOf(ObjectKeys.sessionPrefix("", "ns", "t", UID), key)).isEmpty();
  }

  @Test
  void refusesPrefixesThatCouldEscapeTheNamespace() {
    assertThatThrownBy(() -> ObjectKeys.sessionPrefix("a/../b", "ns", "s", UID))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ObjectKeys.sessionPrefix("", "../ns", "s", UID))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ObjectKeys.sessionPrefix("", "ns", "s", "x/../y"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
