package dev.tether.operator;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tether.api.v1alpha1.ObjectStoreSpec;
import dev.tether.operator.support.Durations;
import dev.tether.operator.validation.PodPolicy;
import dev.tether.operator.validation.SessionLimits;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Operator-wide settings, read from the environment (the Helm chart sets them). */
public record OperatorSettings(
    List<String> watchNamespaces,
    Duration defaultDetectionTimeout,
    double massFailureThreshold,
    double migrationsPerSecond,
    boolean allowOutOfServiceTaint,
    boolean allowVolumeAttachmentDelete,
    int migrationHistoryLimit,
    int httpPort,
    boolean leaderElection,
    String leaderElectionNamespace,
    String leaderElectionId,
    String identity,
    NativeSidecar nativeSidecar,
    Duration startupTimeout,
    SessionLimits limits,
    PodPolicy podPolicy,
    ObjectStoreSpec defaultObjectStore) {

  /** Whether the supervisor runs as a native sidecar: {@code auto} asks the apiserver's version (1.29+). */
  public enum NativeSidecar {
    AUTO, TRUE, FALSE;

    static NativeSidecar parse(String value) {
      return valueOf(value.trim().toUpperCase(java.util.Locale.ROOT));
    }

    /** Native sidecars are on by default from Kubernetes 1.29. */
    public boolean resolve(String major, String minor) {
      return switch (this) {
        case TRUE -> true;
        case FALSE -> false;
        case AUTO -> {
          try {
            int ma = Integer.parseInt(major.replaceAll("\\D", ""));
            int mi = Integer.parseInt(minor.replaceAll("\\D", ""));
            yield ma > 1 || (ma == 1 && mi >= 29);
          } catch (NumberFormatException e) {
            yield false;
          }
        }
      };
    }
  }

  /** Whether pod templates must keep to the baseline pod security level. */
  public boolean enforcePodSecurityBaseline() {
    return podPolicy.baseline();
  }

  public static OperatorSettings defaults() {
    return fromEnv(Map.of());
  }

  public static OperatorSettings fromEnv(Map<String, String> env) {
    return new OperatorSettings(
        Arrays.stream(env.getOrDefault("TETHER_WATCH_NAMESPACES", "").split(","))
            .map(String::trim).filter(s -> !s.isEmpty()).toList(),
        Durations.parse(env.getOrDefault("TETHER_DETECTION_TIMEOUT", "20s")),
        Double.parseDouble(env.getOrDefault("TETHER_MASS_FAILURE_THRESHOLD", "0.5")),
        Double.parseDouble(env.getOrDefault("TETHER_MIGRATIONS_PER_SECOND", "100")),
        Boolean.parseBoolean(env.getOrDefault("TETHER_ALLOW_OUT_OF_SERVICE_TAINT", "false")),
        Boolean.parseBoolean(env.getOrDefault("TETHER_ALLOW_VOLUME_ATTACHMENT_DELETE", "false")),
        Integer.parseInt(env.getOrDefault("TETHER_MIGRATION_HISTORY_LIMIT", "10")),
        Integer.parseInt(env.getOrDefault("TETHER_HTTP_PORT", "8080")),
        Boolean.parseBoolean(env.getOrDefault("TETHER_LEADER_ELECTION", "false")),
        env.getOrDefault("TETHER_LEADER_ELECTION_NAMESPACE", "default"),
        env.getOrDefault("TETHER_LEADER_ELECTION_ID", "tether-operator"),
        env.getOrDefault("POD_NAME", "tether-operator-" + ProcessHandle.current().pid()),
        NativeSidecar.parse(env.getOrDefault("TETHER_NATIVE_SIDECAR", "auto")),
        Durations.parse(env.getOrDefault("TETHER_STARTUP_TIMEOUT", "5m")),
        SessionLimits.fromEnv(env, Durations.parse(env.getOrDefault("TETHER_DETECTION_TIMEOUT", "20s"))),
        PodPolicy.fromEnv(env),
        defaultObjectStore(env.get("TETHER_DEFAULT_OBJECT_STORE")));
  }

  /** A new operator-wide default; the floor for sessions comes down with it where it was higher. */
  public OperatorSettings withDetectionTimeout(Duration timeout) {
    return new OperatorSettings(watchNamespaces, timeout, massFailureThreshold, migrationsPerSecond,
        allowOutOfServiceTaint, allowVolumeAttachmentDelete, migrationHistoryLimit, httpPort, leaderElection,
        leaderElectionNamespace, leaderElectionId, identity, nativeSidecar, startupTimeout,
        limits.admittingDetectionTimeout(timeout), podPolicy, defaultObjectStore);
  }

  public OperatorSettings withMassFailureThreshold(double threshold) {
    return new OperatorSettings(watchNamespaces, defaultDetectionTimeout, threshold, migrationsPerSecond,
        allowOutOfServiceTaint, allowVolumeAttachmentDelete, migrationHistoryLimit, httpPort, leaderElection,
        leaderElectionNamespace, leaderElectionId, identity, nativeSidecar, startupTimeout, limits,
        podPolicy, defaultObjectStore);
  }

  public OperatorSettings withLeaderElection(String namespace, String identity) {
    return new OperatorSettings(watchNamespaces, defaultDetectionTimeout, massFailureThreshold, migrationsPerSecond,
        allowOutOfServiceTaint, allowVolumeAttachmentDelete, migrationHistoryLimit, httpPort, true,
        namespace, leaderElectionId, identity, nativeSidecar, startupTimeout, limits,
        podPolicy, defaultObjectStore);
  }

  public OperatorSettings withStartupTimeout(Duration timeout) {
    return new OperatorSettings(watchNamespaces, defaultDetectionTimeout, massFailureThreshold, migrationsPerSecond,
        allowOutOfServiceTaint, allowVolumeAttachmentDelete, migrationHistoryLimit, httpPort, leaderElection,
        leaderElectionNamespace, leaderElectionId, identity, nativeSidecar, timeout, limits,
        podPolicy, defaultObjectStore);
  }

  public OperatorSettings withFencingPermissions(boolean outOfServiceTaint, boolean volumeAttachmentDelete) {
    return new OperatorSettings(watchNamespaces, defaultDetectionTimeout, massFailureThreshold, migrationsPerSecond,
        outOfServiceTaint, volumeAttachmentDelete, migrationHistoryLimit, httpPort, leaderElection,
        leaderElectionNamespace, leaderElectionId, identity, nativeSidecar, startupTimeout, limits,
        podPolicy, defaultObjectStore);
  }

  public OperatorSettings withLimits(SessionLimits sessionLimits) {
    return new OperatorSettings(watchNamespaces, defaultDetectionTimeout, massFailureThreshold, migrationsPerSecond,
        allowOutOfServiceTaint, allowVolumeAttachmentDelete, migrationHistoryLimit, httpPort, leaderElection,
        leaderElectionNamespace, leaderElectionId, identity, nativeSidecar, startupTimeout, sessionLimits,
        podPolicy, defaultObjectStore);
  }

  public OperatorSettings withDefaultObjectStore(ObjectStoreSpec spec) {
    return new OperatorSettings(watchNamespaces, defaultDetectionTimeout, massFailureThreshold, migrationsPerSecond,
        allowOutOfServiceTaint, allowVolumeAttachmentDelete, migrationHistoryLimit, httpPort, leaderElection,
        leaderElectionNamespace, leaderElectionId, identity, nativeSidecar, startupTimeout, limits, podPolicy, spec);
  }

  /**
   * The admin's object store for sessions that name none: spec.checkpoint.objectStore as JSON (the chart renders
   * its values there). Unknown fields are refused, so that a typo does not silently turn the tier off.
   */
  static ObjectStoreSpec defaultObjectStore(String json) {
    if (json == null || json.isBlank() || json.trim().equals("{}") || json.trim().equals("null")) {
      return null;
    }
    try {
      return new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .readValue(json, ObjectStoreSpec.class);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("TETHER_DEFAULT_OBJECT_STORE is not an object store spec: " + e.getMessage(), e);
    }
  }
}
