package dev.tether.supervisor;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Where the session's checkpoints also go: an object store with the S3 API, and the session's key prefix there
 * (chosen by the operator, see {@link dev.tether.store.ObjectKeys}). Read from the {@code TETHER_OBJECT_STORE_*}
 * variables the operator sets on the supervisor container; the tier is off without an endpoint.
 *
 * @param mode when a commit is acknowledged: once the object store has the blob, or before, with a lag of at
 *             most {@code maxLag} (older commits not yet uploaded make new ones wait with 503)
 */
public record ObjectStoreConfig(URI endpoint, String region, String bucket, String prefix, boolean pathStyle,
                                String accessKeyId, String secretAccessKey, Mode mode, Duration maxLag) {
  public enum Mode { Synchronous, Asynchronous }

  public static final Duration DEFAULT_MAX_LAG = Duration.ofSeconds(30);

  public ObjectStoreConfig(URI endpoint, String region, String bucket, String prefix, boolean pathStyle,
                           String accessKeyId, String secretAccessKey) {
    this(endpoint, region, bucket, prefix, pathStyle, accessKeyId, secretAccessKey, Mode.Synchronous, DEFAULT_MAX_LAG);
  }

  public ObjectStoreConfig {
    mode = mode == null ? Mode.Synchronous : mode;
    maxLag = maxLag == null ? DEFAULT_MAX_LAG : maxLag;
    if (maxLag.isNegative() || maxLag.isZero()) {
      throw new IllegalArgumentException("TETHER_OBJECT_STORE_MAX_LAG_SECONDS must be positive: " + maxLag);
    }
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(region, "region");
    Objects.requireNonNull(bucket, "bucket");
    Objects.requireNonNull(accessKeyId, "accessKeyId");
    Objects.requireNonNull(secretAccessKey, "secretAccessKey");
    if (!"http".equals(endpoint.getScheme()) && !"https".equals(endpoint.getScheme())) {
      throw new IllegalArgumentException("TETHER_OBJECT_STORE_ENDPOINT must be an http or https URL: " + endpoint);
    }
    prefix = prefix == null ? "" : prefix;
    if (!prefix.isEmpty() && !prefix.endsWith("/")) {
      throw new IllegalArgumentException("TETHER_OBJECT_STORE_PREFIX must end with '/': " + prefix);
    }
  }

  /** Null when {@code TETHER_OBJECT_STORE_ENDPOINT} is not set. */
  public static ObjectStoreConfig fromEnv(Map<String, String> env) {
    String endpoint = blank(env.get("TETHER_OBJECT_STORE_ENDPOINT"));
    if (endpoint == null) {
      return null;
    }
    URI uri;
    try {
      uri = URI.create(endpoint);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("TETHER_OBJECT_STORE_ENDPOINT is not a URL: " + endpoint, e);
    }
    return new ObjectStoreConfig(uri,
        env.getOrDefault("TETHER_OBJECT_STORE_REGION", "us-east-1"),
        required(env, "TETHER_OBJECT_STORE_BUCKET"),
        required(env, "TETHER_OBJECT_STORE_PREFIX"),
        Boolean.parseBoolean(env.getOrDefault("TETHER_OBJECT_STORE_PATH_STYLE", "true")),
        required(env, "TETHER_OBJECT_STORE_ACCESS_KEY_ID"),
        required(env, "TETHER_OBJECT_STORE_SECRET_ACCESS_KEY"),
        mode(env.getOrDefault("TETHER_OBJECT_STORE_MODE", Mode.Synchronous.name())),
        Duration.ofSeconds(Long.parseLong(env.getOrDefault("TETHER_OBJECT_STORE_MAX_LAG_SECONDS",
            Long.toString(DEFAULT_MAX_LAG.toSeconds())).trim())));
  }

  public ObjectStoreConfig withMode(Mode mode, Duration maxLag) {
    return new ObjectStoreConfig(endpoint, region, bucket, prefix, pathStyle, accessKeyId, secretAccessKey, mode,
        maxLag);
  }

  private static Mode mode(String value) {
    try {
      return Mode.valueOf(value.trim());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("TETHER_OBJECT_STORE_MODE must be Synchronous or Asynchronous: " + value, e);
    }
  }

  private static String required(Map<String, String> env, String name) {
    String value = blank(env.get(name));
    if (value == null) {
      throw new IllegalArgumentException(name + " is not set (TETHER_OBJECT_STORE_ENDPOINT is)");
    }
    return value;
  }

  private static String blank(String value) {
    return value == null || value.isBlank() ? null : value.trim();
  }

  @Override
  public String toString() {
    return "s3://" + bucket + "/" + prefix + " at " + endpoint + " (" + mode + ")"; // never the credentials
  }
}
