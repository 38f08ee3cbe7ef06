package dev.tether.kubectl;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class AgesTest {
  @Test
  void printsAgesAsKubectlDoes() {
    assertThat(Ages.human(Duration.ofSeconds(42))).isEqualTo("42s");
    assertThat(Ages.human(Duration.ofSeconds(119))).isEqualTo("119s");
    assertThat(Ages.human(Duration.ofSeconds(312))).isEqualTo("5m12s");
    assertThat(Ages.human(Duration.ofMinutes(5))).isEqualTo("5m");
    assertThat(Ages.human(Duration.ofMinutes(42))).isEqualTo("42m");
    assertThat(Ages.human(Duration.ofMinutes(184))).isEqualTo("3h4m");
    assertThat(Ages.human(Duration.ofHours(30))).isEqualTo("30h");
    assertThat(Ages.human(Duration.ofHours(51))).isEqualTo("2d3h");
    assertThat(Ages.human(Duration.ofDays(40))).isEqualTo("40d");
    assertThat(Ages.human(Duration.ofDays(800))).isEqualTo("2y70d");
  }

  @Test
  void aTimestampAheadOfTheLocalClockIsNotANegativeAge() {
    Instant now = Instant.parse("2030-01-01T00:00:00Z");
    assertThat(Ages.since(now.plusMillis(500), now)).isEqualTo("0s");
    assertThat(Ages.since(now.plusSeconds(30), now)).isEqualTo("<invalid>");
    assertThat(Ages.since((String) null, now)).isEqualTo("<none>");
  }
}
