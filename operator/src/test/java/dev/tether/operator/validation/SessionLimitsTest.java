package dev.tether.operator.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tether.api.v1alpha1.FailoverSpec;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SessionLimitsTest {
  private static final Duration DEFAULT = Duration.ofSeconds(20);

  @Test
  void byDefaultADetectionTimeoutGoesFrom15SecondsTo10Minutes() {
    SessionLimits limits = SessionLimits.fromEnv(Map.of(), DEFAULT);
    assertThat(limits.detectionTimeout()).hasToString("15s to 10m");
    assertThat(limits.check(failover("14s"))).containsExactly(
        "spec.failover.detectionTimeout 14s is outside what this cluster allows (15s to 10m)");
    assertThat(limits.check(failover("15s"))).isEmpty();
    assertThat(limits.check(failover("10m"))).isEmpty();
    assertThat(limits.check(failover("999999999h"))).singleElement().asString().contains("15s to 10m");
    assertThat(limits.check(failover(null))).as("empty means the operator's default").isEmpty();
  }

  @Test
  void anAdminWhoChoseALowerDefaultAllowsSessionsDownToIt() {
    assertThat(SessionLimits.fromEnv(Map.of(), Duration.ofSeconds(8)).detectionTimeout()).hasToString("8s to 10m");
    assertThat(SessionLimits.fromEnv(Map.of(), DEFAULT).admittingDetectionTimeout(Duration.ofSeconds(4))
        .detectionTimeout()).hasToString("4s to 10m");
  }

  @Test
  void everyKnobHasARangeTheAdminCanSet() {
    SessionLimits limits = SessionLimits.fromEnv(Map.of(
        "TETHER_DETECTION_TIMEOUT_MIN", "30s", "TETHER_DRAIN_CHECKPOINT_TIMEOUT_MAX", "2m",
        "TETHER_VOLUME_DETACH_TIMEOUT_MIN", "1m", "TETHER_INITIAL_BACKOFF_MAX", "10s",
        "TETHER_MAX_BACKOFF_MAX", "1m", "TETHER_MIGRATION_WINDOW_MAX", "2h"), Duration.ofMinutes(1));
    FailoverSpec spec = failover("20s");
    spec.setDrainCheckpointTimeout("3m");
    spec.setVolumeDetachTimeout("0s");
    spec.setInitialBackoff("11s");
    spec.setMaxBackoff("5m");
    spec.setMigrationWindow("weekly");
    assertThat(limits.check(spec)).containsExactly(
        "spec.failover.detectionTimeout 20s is outside what this cluster allows (30s to 10m)",
        "spec.failover.volumeDetachTimeout 0s is outside what this cluster allows (1m to 1h)",
        "spec.failover.drainCheckpointTimeout 3m is outside what this cluster allows (0s to 2m)",
        "spec.failover.initialBackoff 11s is outside what this cluster allows (0s to 10s)",
        "spec.failover.maxBackoff 5m is outside what this cluster allows (0s to 1m)",
        "spec.failover.migrationWindow: not a duration: 'weekly' (use e.g. 20s, 1m30s, 500ms)");
  }

  @Test
  void theOperatorRefusesToStartWithAContradiction() {
    assertThatThrownBy(() -> SessionLimits.fromEnv(Map.of("TETHER_DETECTION_TIMEOUT_MIN", "1m"), DEFAULT))
        .hasMessageContaining("TETHER_DETECTION_TIMEOUT 20s is outside the allowed detection timeouts (1m to 10m)");
    assertThatThrownBy(() -> SessionLimits.fromEnv(Map.of("TETHER_MAX_BACKOFF_MIN", "2h",
        "TETHER_MAX_BACKOFF_MAX", "1h"), DEFAULT)).hasMessageContaining("TETHER_MAX_BACKOFF_MIN/_MAX");
  }

  @Test
  void theEffectiveTimeoutIsClampedSoTheDetectorNeverActsOnAnOutOfRangeValue() {
    SessionLimits limits = SessionLimits.fromEnv(Map.of(), DEFAULT);
    assertThat(limits.detectionTimeoutOf("1ms", DEFAULT)).isEqualTo(Duration.ofSeconds(15));
    assertThat(limits.detectionTimeoutOf("9000000000000h", DEFAULT)).isEqualTo(Duration.ofMinutes(10));
    assertThat(limits.detectionTimeoutOf("soon", DEFAULT)).isEqualTo(DEFAULT);
    assertThat(limits.detectionTimeoutOf(null, DEFAULT)).isEqualTo(DEFAULT);
  }

  private static FailoverSpec failover(String detectionTimeout) {
    FailoverSpec spec = new FailoverSpec();
    spec.setDetectionTimeout(detectionTimeout);
    return spec;
  }
}
