package dev.tether.supervisor;

import dev.tether.store.SessionKey;
import dev.tether.store.StoreConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;

/**
 * Everything the supervisor needs, normally from the environment the operator sets on the sidecar.
 *
 * @param session the AgentSession this pod runs
 * @param epoch this incarnation's fencing epoch
 * @param checkpointDir the session volume; blobs go to {@code <dir>/checkpoints/<sequence>.blob}
 * @param store how to reach etcd
 * @param bind address of the HTTP API (loopback by default: only the agent container may call it)
 * @param port HTTP port; 0 picks a free one (tests)
 * @param maxCheckpointBytes larger bodies get 413
 * @param restorePolicy what to do when the newest checkpoint does not verify
 * @param retain manifests (and blobs) kept per session
 * @param lifecycle how the sidecar runs in its pod; {@link Lifecycle#EMBEDDED} when embedded in another process
 * @param rollbackTo a rollback: the sequence this incarnation restores instead of the newest, or null
 * @param objectStore the object-store tier, or null without one
 */
public record SupervisorConfig(SessionKey session, long epoch, Path checkpointDir, StoreConfig store, String bind,
                               int port, long maxCheckpointBytes, RestorePolicy restorePolicy, int retain,
                               Lifecycle lifecycle, Long rollbackTo, ObjectStoreConfig objectStore) {
  /**
   * How the supervisor lives in its pod.
   *
   * @param probePort port of the kubelet's probes ({@code /healthz}, {@code /readyz} only) on all addresses;
   *     -1 for none. The API itself stays on loopback.
   * @param shutdownTimeout after SIGTERM, how long to keep serving at most while the agent saves its final
   *     checkpoint (the operator sets it just under the pod's termination grace period)
   * @param nativeSidecar whether the kubelet runs it as a native sidecar: then SIGTERM comes only after the
   *     agent has exited, and the supervisor stops at once
   */
  public record Lifecycle(int probePort, Duration shutdownTimeout, boolean nativeSidecar) {
    public static final Lifecycle EMBEDDED = new Lifecycle(-1, Duration.ZERO, false);
    public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(25);

    public Lifecycle {
      Objects.requireNonNull(shutdownTimeout, "shutdownTimeout");
      if (shutdownTimeout.isNegative()) {
        throw new IllegalArgumentException("shutdownTimeout must not be negative: " + shutdownTimeout);
      }
    }
  }

  public static final int DEFAULT_PORT = 8765;
  public static final String DEFAULT_BIND = "127.0.0.1";
  public static final long DEFAULT_MAX_CHECKPOINT_BYTES = 64L * 1024 * 1024;
  public static final int DEFAULT_RETAIN = 5;

  public SupervisorConfig {
    Objects.requireNonNull(session, "session");
    Objects.requireNonNull(checkpointDir, "checkpointDir");
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(restorePolicy, "restorePolicy");
    bind = bind == null ? DEFAULT_BIND : bind;
    lifecycle = lifecycle == null ? Lifecycle.EMBEDDED : lifecycle;
    if (epoch < 1) {
      throw new IllegalArgumentException("epoch must be >= 1: " + epoch);
    }
    if (maxCheckpointBytes < 1) {
      throw new IllegalArgumentException("maxCheckpointBytes must be >= 1");
    }
    if (retain < 1) {
      throw new IllegalArgumentException("retain must be >= 1: " + retain);
    }
    if (rollbackTo != null && rollbackTo < 1) {
      throw new IllegalArgumentException("rollbackTo must be >= 1: " + rollbackTo);
    }
  }

  /** Defaults for everything but the essentials (port 0: any free port). */
  public static SupervisorConfig of(SessionKey session, long epoch, Path checkpointDir, StoreConfig store) {
    return new SupervisorConfig(session, epoch, checkpointDir, store, DEFAULT_BIND, 0, DEFAULT_MAX_CHECKPOINT_BYTES,
        RestorePolicy.LatestVerified, DEFAULT_RETAIN, Lifecycle.EMBEDDED, null, null);
  }

  public SupervisorConfig withMaxCheckpointBytes(long bytes) {
    return new SupervisorConfig(session, epoch, checkpointDir, store, bind, port, bytes, restorePolicy, retain,
        lifecycle, rollbackTo, objectStore);
  }

  public SupervisorConfig withRestorePolicy(RestorePolicy policy) {
    return new SupervisorConfig(session, epoch, checkpointDir, store, bind, port, maxCheckpointBytes, policy, retain,
        lifecycle, rollbackTo, objectStore);
  }

  public SupervisorConfig withRetain(int retain) {
    return new SupervisorConfig(session, epoch, checkpointDir, store, bind, port, maxCheckpointBytes, restorePolicy,
        retain, lifecycle, rollbackTo, objectStore);
  }

  public SupervisorConfig withLifecycle(Lifecycle lifecycle) {
    return new SupervisorConfig(session, epoch, checkpointDir, store, bind, port, maxCheckpointBytes, restorePolicy,
        retain, lifecycle, rollbackTo, objectStore);
  }

  public SupervisorConfig withObjectStore(ObjectStoreConfig tier) {
    return new SupervisorConfig(session, epoch, checkpointDir, store, bind, port, maxCheckpointBytes, restorePolicy,
        retain, lifecycle, rollbackTo, tier);
  }

  public SupervisorConfig withRollbackTo(Long sequence) {
    return new SupervisorConfig(session, epoch, checkpointDir, store, bind, port, maxCheckpointBytes, restorePolicy,
        retain, lifecycle, sequence, objectStore);
  }

  /**
   * Reads the {@code TETHER_*} variables (see docs/checkpoint-api.md). The etcd user name and password are read
   * from the files {@code TETHER_ETCD_USERNAME_FILE} and {@code TETHER_ETCD_PASSWORD_FILE} name where those
   * exist (the operator mounts the namespace's Secret there), else from {@code TETHER_ETCD_USERNAME} and
   * {@code TETHER_ETCD_PASSWORD}.
   */
  public static SupervisorConfig fromEnv(Map<String, String> env) {
    String username = secret(env, "TETHER_ETCD_USERNAME");
    String password = secret(env, "TETHER_ETCD_PASSWORD");
    if (username != null && password == null) {
      throw new IllegalArgumentException("etcd user " + username + " has no password: neither the file "
          + env.getOrDefault("TETHER_ETCD_PASSWORD_FILE", "(TETHER_ETCD_PASSWORD_FILE not set)")
          + " nor TETHER_ETCD_PASSWORD holds one");
    }
    StoreConfig store = new StoreConfig(
        Arrays.stream(required(env, "TETHER_ETCD_ENDPOINTS").split(",")).map(String::trim)
            .filter(s -> !s.isEmpty()).toList(),
        username, password,
        pathOrNull(env.get("TETHER_ETCD_CA_FILE")), pathOrNull(env.get("TETHER_ETCD_CERT_FILE")),
        pathOrNull(env.get("TETHER_ETCD_KEY_FILE")), blankToNull(env.get("TETHER_ETCD_PREFIX")), null);
    return new SupervisorConfig(
        new SessionKey(required(env, "TETHER_SESSION_NAMESPACE"), required(env, "TETHER_SESSION_NAME")),
        Long.parseLong(required(env, "TETHER_EPOCH")),
        Path.of(required(env, "TETHER_CHECKPOINT_DIR")),
        store,
        env.getOrDefault("TETHER_SUPERVISOR_BIND", DEFAULT_BIND),
        Integer.parseInt(env.getOrDefault("TETHER_SUPERVISOR_PORT", Integer.toString(DEFAULT_PORT))),
        Long.parseLong(env.getOrDefault("TETHER_MAX_CHECKPOINT_BYTES", Long.toString(DEFAULT_MAX_CHECKPOINT_BYTES))),
        RestorePolicy.valueOf(env.getOrDefault("TETHER_RESTORE_POLICY", RestorePolicy.LatestVerified.name())),
        Integer.parseInt(env.getOrDefault("TETHER_RETAIN", Integer.toString(DEFAULT_RETAIN))),
        new Lifecycle(
            Integer.parseInt(env.getOrDefault("TETHER_SUPERVISOR_PROBE_PORT", "-1")),
            Duration.ofSeconds(Long.parseLong(env.getOrDefault("TETHER_SHUTDOWN_TIMEOUT_SECONDS",
                Long.toString(Lifecycle.DEFAULT_SHUTDOWN_TIMEOUT.toSeconds())))),
            Boolean.parseBoolean(env.getOrDefault("TETHER_SUPERVISOR_NATIVE_SIDECAR", "false"))),
        blankToNull(env.get("TETHER_RESTORE_SEQUENCE")) == null ? null
            : Long.valueOf(blankToNull(env.get("TETHER_RESTORE_SEQUENCE"))),
        ObjectStoreConfig.fromEnv(env));
  }

  /** The content of the file {@code <name>_FILE} names, if it exists and is not blank; else {@code <name>}. */
  private static String secret(Map<String, String> env, String name) {
    String file = blankToNull(env.get(name + "_FILE"));
    if (file != null && Files.isReadable(Path.of(file))) {
      try {
        String value = blankToNull(Files.readString(Path.of(file)));
        if (value != null) {
          return value;
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + file, e);
      }
    }
    return blankToNull(env.get(name));
  }

  private static String required(Map<String, String> env, String name) {
    String value = blankToNull(env.get(name));
    if (value == null) {
      throw new IllegalArgumentException(name + " is not set");
    }
    return value;
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value.trim();
  }

  private static Path pathOrNull(String value) {
    String path = blankToNull(value);
    return path == null ? null : Path.of(path);
  }
}
