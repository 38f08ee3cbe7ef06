package dev.tether.store;

import java.util.Optional;

/**
 * Where things live in etcd. Everything of a namespace is under {@code <root>sessions/<namespace>/}, so one
 * etcd role with a prefix permission covers exactly one tenant (see {@link TenantAccess}).
 *
 * <pre>
 * &lt;root&gt;sessions/&lt;ns&gt;/&lt;name&gt;/epoch                  fencing epoch, 20-digit zero-padded decimal
 * &lt;root&gt;sessions/&lt;ns&gt;/&lt;name&gt;/lastSequence           last committed sequence, 20-digit zero-padded
 * &lt;root&gt;sessions/&lt;ns&gt;/&lt;name&gt;/checkpoints/&lt;seq:020&gt;  manifest JSON
 * &lt;root&gt;sessions/&lt;ns&gt;/&lt;name&gt;/restores/&lt;epoch&gt;       restore record JSON
 * &lt;root&gt;sessions/&lt;ns&gt;/&lt;name&gt;/uploads                object-store tier progress JSON
 * &lt;root&gt;sessions/&lt;ns&gt;/&lt;name&gt;/requests/checkpoint     checkpoint request JSON
 * &lt;root&gt;sessions/&lt;ns&gt;/&lt;name&gt;/requests/stop           epoch whose supervisor is to exit, 20-digit
 * </pre>
 *
 * Numbers are zero-padded so that etcd's byte-wise value comparison in transactions orders them numerically.
 */
public final class KeyLayout {
  static final String EPOCH = "epoch";
  static final String LAST_SEQUENCE = "lastSequence";
  static final String CHECKPOINTS = "checkpoints/";
  static final String RESTORES = "restores/";
  static final String UPLOADS = "uploads";
  static final String CHECKPOINT_REQUEST = "requests/checkpoint";
  static final String STOP_REQUEST = "requests/stop";

  private final String root;

  public KeyLayout(String rootPrefix) {
    if (!rootPrefix.endsWith("/")) {
      throw new IllegalArgumentException("root prefix must end with '/': " + rootPrefix);
    }
    this.root = rootPrefix;
  }

  public String root() {
    return root;
  }

  public String sessions() {
    return root + "sessions/";
  }

  /** The prefix a tenant's role is granted on. */
  public String namespace(String namespace) {
    SessionKey.requireName("namespace", namespace);
    return sessions() + namespace + "/";
  }

  public String session(SessionKey key) {
    return namespace(key.namespace()) + key.name() + "/";
  }

  public String epoch(SessionKey key) {
    return session(key) + EPOCH;
  }

  public String lastSequence(SessionKey key) {
    return session(key) + LAST_SEQUENCE;
  }

  public String checkpoints(SessionKey key) {
    return session(key) + CHECKPOINTS;
  }

  public String checkpoint(SessionKey key, long sequence) {
    return checkpoints(key) + pad(sequence);
  }

  public String restores(SessionKey key) {
    return session(key) + RESTORES;
  }

  public String restore(SessionKey key, long epoch) {
    return restores(key) + epoch;
  }

  public String uploads(SessionKey key) {
    return session(key) + UPLOADS;
  }

  public String checkpointRequest(SessionKey key) {
    return session(key) + CHECKPOINT_REQUEST;
  }

  public String stopRequest(SessionKey key) {
    return session(key) + STOP_REQUEST;
  }

  static String pad(long number) {
    return String.format("%020d", number);
  }

  /** A key under {@link #sessions()}, split into its session and the rest ("epoch", "checkpoints/0..01"). */
  record Parsed(SessionKey session, String rest) {}

  Optional<Parsed> parse(String key) {
    if (!key.startsWith(sessions())) {
      return Optional.empty();
    }
    String[] parts = key.substring(sessions().length()).split("/", 3);
    if (parts.length < 3) {
      return Optional.empty();
    }
    try {
      return Optional.of(new Parsed(new SessionKey(parts[0], parts[1]), parts[2]));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
