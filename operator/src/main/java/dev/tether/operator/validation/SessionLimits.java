package dev.tether.operator.validation;

import dev.tether.api.v1alpha1.FailoverSpec;
import dev.tether.operator.support.Durations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The ranges the cluster admin allows for each per-session timing knob. A tenant's spec chooses within them; a
 * value outside is refused as InvalidSpec with the allowed range, so no tenant can make a healthy node look
 * dead (a detection timeout below the kubelets' renew interval), blind the failure detector (a timeout near
 * the end of time) or hold a node's drain for years.
 */
public record SessionLimits(
    Range detectionTimeout,
    Range volumeDetachTimeout,
    Range drainCheckpointTimeout,
    Range initialBackoff,
    Range maxBackoff,
    Range migrationWindow) {

  /** Without an explicit floor, a detection timeout may go down to 15 s, or to the operator-wide default if lower. */
  static final Duration DETECTION_FLOOR = Duration.ofSeconds(15);

  /** An inclusive range of durations. */
  public record Range(Duration min, Duration max) {
    public Range {
      if (min.compareTo(max) > 0) {
        throw new IllegalArgumentException("the minimum " + Durations.format(min) + " is above the maximum "
            + Durations.format(max));
      }
    }

    public boolean contains(Duration d) {
      return d.compareTo(min) >= 0 && d.compareTo(max) <= 0;
    }

    public Duration clamp(Duration d) {
      return d.compareTo(min) < 0 ? min : d.compareTo(max) > 0 ? max : d;
    }

    @Override
    public String toString() {
      return Durations.format(min) + " to " + Durations.format(max);
    }
  }

  /**
   * From the operator's environment: {@code TETHER_<KNOB>_MIN} and {@code TETHER_<KNOB>_MAX}, for example
   * {@code TETHER_DETECTION_TIMEOUT_MIN=15s}.
   */
  public static SessionLimits fromEnv(Map<String, String> env, Duration defaultDetectionTimeout) {
    Duration detectionFloor = defaultDetectionTimeout.compareTo(DETECTION_FLOOR) < 0 ? defaultDetectionTimeout
        : DETECTION_FLOOR;
    SessionLimits limits = new SessionLimits(
        range(env, "DETECTION_TIMEOUT", detectionFloor, Duration.ofMinutes(10)),
        range(env, "VOLUME_DETACH_TIMEOUT", Duration.ofSeconds(30), Duration.ofHours(1)),
        range(env, "DRAIN_CHECKPOINT_TIMEOUT", Duration.ZERO, Duration.ofMinutes(10)),
        range(env, "INITIAL_BACKOFF", Duration.ZERO, Duration.ofHours(1)),
        range(env, "MAX_BACKOFF", Duration.ZERO, Duration.ofHours(24)),
        range(env, "MIGRATION_WINDOW", Duration.ZERO, Duration.ofDays(7)));
    if (!limits.detectionTimeout.contains(defaultDetectionTimeout)) {
      throw new IllegalArgumentException("TETHER_DETECTION_TIMEOUT " + Durations.format(defaultDetectionTimeout)
          + " is outside the allowed detection timeouts (" + limits.detectionTimeout + ")");
    }
    return limits;
  }

  /** Anything goes: for test beds whose simulated kubelets heartbeat far faster than real ones. */
  public static SessionLimits unbounded() {
    Range any = new Range(Duration.ZERO, Duration.ofDays(365));
    return new SessionLimits(any, any, any, any, any, any);
  }

  /** The same limits, with the detection floor lowered to {@code timeout} where it was above. */
  public SessionLimits admittingDetectionTimeout(Duration timeout) {
    Range detection = detectionTimeout.min().compareTo(timeout) > 0
        ? new Range(timeout, detectionTimeout.max().compareTo(timeout) < 0 ? timeout : detectionTimeout.max())
        : detectionTimeout;
    return new SessionLimits(detection, volumeDetachTimeout, drainCheckpointTimeout, initialBackoff, maxBackoff,
        migrationWindow);
  }

  /** The effective detection timeout of a spec value: the default when empty, clamped into the range. */
  public Duration detectionTimeoutOf(String value, Duration defaultTimeout) {
    try {
      return detectionTimeout.clamp(Durations.parseOr(value, defaultTimeout));
    } catch (IllegalArgumentException e) {
      return defaultTimeout;
    }
  }

  /** One sentence per knob out of range (or unreadable), saying what the admin allows. */
  public List<String> check(FailoverSpec failover) {
    List<String> problems = new ArrayList<>();
    check(problems, "detectionTimeout", failover.getDetectionTimeout(), detectionTimeout);
    check(problems, "volumeDetachTimeout", failover.getVolumeDetachTimeout(), volumeDetachTimeout);
    check(problems, "drainCheckpointTimeout", failover.getDrainCheckpointTimeout(), drainCheckpointTimeout);
    check(problems, "initialBackoff", failover.getInitialBackoff(), initialBackoff);
    check(problems, "maxBackoff", failover.getMaxBackoff(), maxBackoff);
    check(problems, "migrationWindow", failover.getMigrationWindow(), migrationWindow);
    return problems;
  }

  private static void check(List<String> problems, String field, String value, Range range) {
    if (value == null || value.isBlank()) {
      return;
    }
    try {
      Duration d = Durations.parse(value);
      if (!range.contains(d)) {
        problems.add("spec.failover." + field + " " + value + " is outside what this cluster allows (" + range
            + ")");
      }
    } catch (IllegalArgumentException e) {
      problems.add("spec.failover." + field + ": " + e.getMessage());
    }
  }

  private static Range range(Map<String, String> env, String knob, Duration min, Duration max) {
    Function<String, Optional<Duration>> read = suffix -> Optional.ofNullable(env.get("TETHER_" + knob + suffix))
        .filter(v -> !v.isBlank()).map(Durations::parse);
    try {
      return new Range(read.apply("_MIN").orElse(min), read.apply("_MAX").orElse(max));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("TETHER_" + knob + "_MIN/_MAX: " + e.getMessage(), e);
    }
  }
}
