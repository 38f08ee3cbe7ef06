package dev.tether.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tether.api.v1alpha1.ObjectStoreSpec;
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

  @Test
  void theAdminsObjectStoreIsJsonAndATypoIsRefused() {
    OperatorSettings settings = OperatorSettings.fromEnv(Map.of("TETHER_DEFAULT_OBJECT_STORE",
        "{\"endpoint\":\"http://s3:8080\",\"bucket\":\"cps\",\"credentialsSecret\":\"s3\"}"));
    assertThat(settings.defaultObjectStore().getBucket()).isEqualTo("cps");
    assertThat(settings.defaultObjectStore().getRegion()).isEqualTo("us-east-1");
    assertThat(OperatorSettings.defaults().defaultObjectStore()).isNull();
    assertThat(OperatorSettings.fromEnv(Map.of("TETHER_DEFAULT_OBJECT_STORE", "{}")).defaultObjectStore()).isNull();
    assertThatThrownBy(() -> OperatorSettings.fromEnv(Map.of("TETHER_DEFAULT_OBJECT_STORE", "{\"bukket\":\"x\"}")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("TETHER_DEFAULT_OBJECT_STORE")
        .hasMessageContaining("bukket");
  }
}
