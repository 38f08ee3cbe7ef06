package dev.tether.testbed;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class NamespacesTest {
  @Test
  void turnsAnyPrefixIntoTheStartOfAValidName() {
    assertThat(Namespaces.label("SessionReconcilerIT")).isEqualTo("sessionreconcilerit");
    assertThat(Namespaces.label("--Fail over_test.v2--")).isEqualTo("fail-over-test-v2");
    assertThat(Namespaces.label("ÄÖÜ")).isEqualTo("test");
    assertThat(Namespaces.label("a".repeat(39) + "-xyz")).isEqualTo("a".repeat(39));
  }
}
