package dev.tether.operator.checkpoint;

import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.ObjectStoreSpec;
import dev.tether.store.ObjectKeys;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import dev.tether.operator.support.Durations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where one session's checkpoints go in the object store: the effective settings (the session's own or the
 * admin's default) with the key prefix the operator chose for it. The supervisor gets them as environment
 * variables, the credentials by reference to the tenant's Secret; the pod carries the non-secret part as an
 * annotation, for people and for runtimes that have no supervisor container.
 */
public record ObjectStoreTarget(String endpoint, String region, String bucket, String sessionPrefix, boolean pathStyle,
                                String credentialsSecret, ObjectStoreSpec.Mode mode, Duration maxLag) {
  public static final String ACCESS_KEY_ID = "accessKeyId";
  public static final String SECRET_ACCESS_KEY = "secretAccessKey";

  public static ObjectStoreTarget of(AgentSession session, ObjectStoreSpec spec) {
    return new ObjectStoreTarget(spec.getEndpoint(), spec.getRegion() == null ? "us-east-1" : spec.getRegion(),
        spec.getBucket(),
        ObjectKeys.sessionPrefix(spec.getPrefix(), session.getMetadata().getNamespace(),
            session.getMetadata().getName(), session.getMetadata().getUid()),
        spec.isPathStyle(), spec.getCredentialsSecret(), mode(session, spec),
        Durations.parse(spec.getMaxLag() == null ? "30s" : spec.getMaxLag()));
  }

  /**
   * Asynchronous uploads need {@code retain >= 2}: the newest uploaded checkpoint must stay while a newer one is
   * uploaded. A session that keeps one (the session's own spec is refused for it) gets synchronous uploads from
   * an asynchronous default, the safe side, and its status says so.
   */
  private static ObjectStoreSpec.Mode mode(AgentSession session, ObjectStoreSpec spec) {
    if (spec.getMode() != ObjectStoreSpec.Mode.Asynchronous || session.getSpec().getCheckpoint().getRetain() < 2) {
      return ObjectStoreSpec.Mode.Synchronous;
    }
    return ObjectStoreSpec.Mode.Asynchronous;
  }

  /** s3://bucket/prefix */
  public String location() {
    return "s3://" + bucket + "/" + sessionPrefix;
  }

  /** The supervisor's variables (see docs/checkpoint-api.md, "Object-store tier"). */
  public List<EnvVar> supervisorEnv() {
    List<EnvVar> env = new ArrayList<>();
    settings().forEach((name, value) -> env.add(new EnvVarBuilder().withName(name).withValue(value).build()));
    env.add(fromSecret("TETHER_OBJECT_STORE_ACCESS_KEY_ID", ACCESS_KEY_ID));
    env.add(fromSecret("TETHER_OBJECT_STORE_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY));
    return env;
  }

  /** The non-secret variables, by name. */
  public Map<String, String> settings() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("TETHER_OBJECT_STORE_ENDPOINT", endpoint);
    env.put("TETHER_OBJECT_STORE_REGION", region);
    env.put("TETHER_OBJECT_STORE_BUCKET", bucket);
    env.put("TETHER_OBJECT_STORE_PREFIX", sessionPrefix);
    env.put("TETHER_OBJECT_STORE_PATH_STYLE", Boolean.toString(pathStyle));
    env.put("TETHER_OBJECT_STORE_MODE", mode.name());
    if (mode == ObjectStoreSpec.Mode.Asynchronous) {
      env.put("TETHER_OBJECT_STORE_MAX_LAG_SECONDS", Long.toString(Math.max(1, maxLag.toSeconds())));
    }
    return env;
  }

  private EnvVar fromSecret(String name, String key) {
    return new EnvVarBuilder().withName(name).withNewValueFrom().withNewSecretKeyRef()
        .withName(credentialsSecret).withKey(key).withOptional(false).endSecretKeyRef().endValueFrom().build();
  }
}
