package dev.tether.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.operator.OperatorSettings.NativeSidecar;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OperatorSettingsTest {
  @Test
  void nativeSidecarsFromKubernetes129WhenAuto() {
    assertThat(NativeSidecar.AUTO.resolve("1", "20")).isFalse();
    assertThat(NativeSidecar.AUTO.resolve("1", "28")).isFalse();
    assertThat(NativeSidecar.AUTO.resolve("1", "29")).isTrue();
    assertThat(NativeSidecar.AUTO.resolve("1", "31+")).as("managed clusters append +").isTrue();
    assertThat(NativeSidecar.AUTO.resolve("1", "x")).isFalse();
    assertThat(NativeSidecar.TRUE.resolve("1", "20")).isTrue();
    assertThat(NativeSidecar.FALSE.resolve("1", "31")).isFalse();
  }

  @Test
  void readFromTheEnvironment() {
    OperatorSettings settings = OperatorSettings.fromEnv(Map.of("TETHER_NATIVE_SIDECAR", "false",
        "TETHER_STARTUP_TIMEOUT", "90s"));
    assertThat(settings.nativeSidecar()).isEqualTo(NativeSidecar.FALSE);
    assertThat(settings.startupTimeout()).isEqualTo(Duration.ofSeconds(90));
    assertThat(OperatorSettings.defaults().nativeSidecar()).isEqualTo(NativeSidecar.AUTO);
    assertThat(OperatorSettings.defaults().startupTimeout()).isEqualTo(Duration.ofMinutes(5));
  }
}
