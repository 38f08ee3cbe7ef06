package dev.tether.operator.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DurationsTest {
  @ParameterizedTest
  @CsvSource({"20s,PT20S", "1m30s,PT1M30S", "500ms,PT0.5S", "2h,PT2H", "0s,PT0S", "1h1m1s1ms,PT1H1M1.001S"})
  void parsesTheSpecsGoStyleDurations(String text, String iso) {
    assertThat(Durations.parse(text)).isEqualTo(Duration.parse(iso));
  }

  @ParameterizedTest
  @CsvSource({"PT20S,20s", "PT1M30S,1m30s", "PT0.5S,500ms", "PT10M,10m", "PT0S,0s", "PT168H,168h"})
  void formatsAsAUserWouldWriteIt(String iso, String text) {
    assertThat(Durations.format(Duration.parse(iso))).isEqualTo(text);
    assertThat(Durations.parse(Durations.format(Duration.parse(iso)))).isEqualTo(Duration.parse(iso));
  }

  @Test
  void refusesWhatIsNoDuration() {
    assertThatThrownBy(() -> Durations.parse("soon")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a duration: 'soon'");
    assertThatThrownBy(() -> Durations.parse(" ")).isInstanceOf(IllegalArgumentException.class);
    assertThat(Durations.parseOr(null, Duration.ofSeconds(7))).isEqualTo(Duration.ofSeconds(7));
  }
}
