package dev.tether.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class KeyLayoutTest {
  private final KeyLayout keys = new KeyLayout("/tether/");
  private final SessionKey session = SessionKey.of("team-a", "agent-1");

  @Test
  void keysFollowTheDocumentedLayout() {
    assertThat(keys.epoch(session)).isEqualTo("/tether/sessions/team-a/agent-1/epoch");
    assertThat(keys.checkpoint(session, 42)).isEqualTo("/tether/sessions/team-a/agent-1/checkpoints/00000000000000000042");
    assertThat(keys.restore(session, 3)).isEqualTo("/tether/sessions/team-a/agent-1/restores/3");
    assertThat(keys.checkpointRequest(session)).isEqualTo("/tether/sessions/team-a/agent-1/requests/checkpoint");
    assertThat(keys.namespace("team-a")).isEqualTo("/tether/sessions/team-a/");
  }

  @Test
  void paddedNumbersSortLikeNumbers() {
    assertThat(KeyLayout.pad(9).compareTo(KeyLayout.pad(10))).isNegative();
    assertThat(KeyLayout.pad(Long.MAX_VALUE)).hasSize(20);
  }

  @Test
  void parsesKeysBackIntoSessionAndRest() {
    var parsed = keys.parse(keys.checkpoint(session, 7)).orElseThrow();
    assertThat(parsed.session()).isEqualTo(session);
    assertThat(parsed.rest()).isEqualTo("checkpoints/00000000000000000007");
    assertThat(keys.parse("/other/sessions/a/b/epoch")).isEmpty();
    assertThat(keys.parse("/tether/sessions/a")).isEmpty();
  }

  @Test
  void namesCannotEscapeTheirPrefix() {
    assertThatThrownBy(() -> SessionKey.of("team-a/../b", "x")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SessionKey.of("team-a", "")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void prefixEndIsTheNextKeyAfterThePrefix() {
    assertThat(TenantAccess.prefixEnd(ContextStore.bytes("/tether/sessions/a/")).toString())
        .isEqualTo("/tether/sessions/a0");
  }
}
