package dev.tether.supervisor;

import java.net.URI;
import java.util.Map;
import java.util.Objects;

/**
 * Where the session's checkpoints also go: an object store with the S3 API, and the session's key prefix there
 * (chosen by the operator, see {@link dev.tether.store.ObjectKeys}). Read from the {@code TETHER_OBJECT_STORE_*}
 * variables the operator sets on the supervisor container; the tier is off without an endpoint.
 */
public record ObjectStoreConfig(URI endpoint, String region, String bucket, String prefix, boolean pathStyle,
                                String accessKeyId, String secretAccessKey) {
  public ObjectStoreConfig {
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
        required(env, "TETHER_OBJECT_STORE_SECRET_ACCESS_KEY"));
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
    return "s3://" + bucket + "/" + prefix + " at " + endpoint; // never the credentials
  }
}
