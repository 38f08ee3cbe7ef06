package dev.tether.store;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a session's checkpoint blobs live in an object store (S3 API). The operator chooses the session's
 * prefix, never the tenant: {@code [<base>/]<namespace>/<name>/<uid>/}, so every namespace has a prefix of its
 * own, and a later session of the same name (a new uid) never reads or overwrites an earlier one's objects.
 * A blob's key carries its sequence and the epoch that wrote it: a fenced incarnation that uploads late writes
 * a key no manifest names.
 *
 * <pre>
 * &lt;sessionPrefix&gt;&lt;sequence:020&gt;-&lt;epoch:020&gt;.blob
 * </pre>
 */
public final class ObjectKeys {
  private static final Pattern BLOB = Pattern.compile("(\\d{20})-(\\d{20})\\.blob");
  private static final Pattern BASE = Pattern.compile("[A-Za-z0-9][-A-Za-z0-9_.]*(/[A-Za-z0-9][-A-Za-z0-9_.]*)*");

  private ObjectKeys() {}

  /** The session's prefix, ending in '/'. {@code base} may be null or empty. */
  public static String sessionPrefix(String base, String namespace, String name, String uid) {
    SessionKey.requireName("namespace", namespace);
    SessionKey.requireName("name", name);
    Objects.requireNonNull(uid, "uid");
    if (!uid.matches("[0-9a-f-]{1,64}")) {
      throw new IllegalArgumentException("uid must be a Kubernetes UID: " + uid);
    }
    String trimmed = base == null ? "" : base.replaceAll("^/+|/+$", "");
    if (!trimmed.isEmpty() && !BASE.matcher(trimmed).matches()) {
      throw new IllegalArgumentException("prefix must be path segments of [-A-Za-z0-9_.]: " + base);
    }
    return (trimmed.isEmpty() ? "" : trimmed + "/") + namespace + "/" + name + "/" + uid + "/";
  }

  /** The namespace's prefix: everything of one tenant. */
  public static String namespacePrefix(String base, String namespace) {
    SessionKey.requireName("namespace", namespace);
    String trimmed = base == null ? "" : base.replaceAll("^/+|/+$", "");
    return (trimmed.isEmpty() ? "" : trimmed + "/") + namespace + "/";
  }

  public static String blob(String sessionPrefix, long sequence, long epoch) {
    if (!sessionPrefix.endsWith("/")) {
      throw new IllegalArgumentException("session prefix must end with '/': " + sessionPrefix);
    }
    return sessionPrefix + String.format("%020d-%020d.blob", sequence, epoch);
  }

  /** The sequence a blob key under {@code sessionPrefix} names; empty for any other key. */
  public static Optional<Long> sequenceOf(String sessionPrefix, String key) {
    if (!key.startsWith(sessionPrefix)) {
      return Optional.empty();
    }
    Matcher m = BLOB.matcher(key.substring(sessionPrefix.length()));
    return m.matches() ? Optional.of(Long.parseLong(m.group(1))) : Optional.empty();
  }
}
