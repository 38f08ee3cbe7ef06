package dev.tether.operator.checkpoint;

import dev.tether.store.StoreConfig;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where the checkpoint store is, for the operator and for the supervisors it injects. Sessions never get
 * the operator's credentials: each supervisor reads its namespace's own from the Secret
 * {@value #TENANT_SECRET} (keys username, password), scoped in etcd to that namespace's key prefix.
 */
public record CheckpointStoreSettings(List<String> endpoints, String username, String password, Path caFile,
    String supervisorImage, String supervisorSecurityContextJson) {
  public static final String TENANT_SECRET = "tether-etcd";

  public static Optional<CheckpointStoreSettings> fromEnv(Map<String, String> env) {
    List<String> endpoints = Arrays.stream(env.getOrDefault("TETHER_ETCD_ENDPOINTS", "").split(","))
        .map(String::trim).filter(s -> !s.isEmpty()).toList();
    if (endpoints.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new CheckpointStoreSettings(endpoints, blank(env.get("TETHER_ETCD_USERNAME")),
        blank(env.get("TETHER_ETCD_PASSWORD")),
        blank(env.get("TETHER_ETCD_CA_FILE")) == null ? null : Path.of(env.get("TETHER_ETCD_CA_FILE")),
        env.getOrDefault("TETHER_SUPERVISOR_IMAGE", "ghcr.io/tether-dev/tether-operator:0.1.0"),
        blank(env.get("TETHER_SUPERVISOR_SECURITY_CONTEXT"))));
  }

  public static CheckpointStoreSettings of(String... endpoints) {
    return new CheckpointStoreSettings(List.of(endpoints), null, null, null,
        "ghcr.io/tether-dev/tether-operator:0.1.0", null);
  }

  public StoreConfig storeConfig() {
    StoreConfig config = StoreConfig.of(endpoints.toArray(String[]::new));
    if (username != null) {
      config = config.withCredentials(username, password);
    }
    if (caFile != null) {
      config = config.withTls(caFile, null, null);
    }
    return config;
  }

  /**
   * The store's address for supervisors, and the CA that verifies it (as PEM text: session namespaces cannot
   * mount the Secret the operator reads it from). Credentials come from the namespace's own Secret: required
   * when the store has authentication on (the operator has a user), so that a missing Secret shows as the
   * pod's CreateContainerConfigError instead of a supervisor that connects anonymously and is refused.
   */
  public List<EnvVar> supervisorEnv() {
    List<EnvVar> env = new ArrayList<>();
    env.add(new EnvVarBuilder().withName("TETHER_ETCD_ENDPOINTS").withValue(String.join(",", endpoints)).build());
    boolean authenticated = username != null;
    for (String key : List.of("username", "password")) {
      env.add(new EnvVarBuilder().withName("TETHER_ETCD_" + key.toUpperCase())
          .withNewValueFrom().withNewSecretKeyRef(key, TENANT_SECRET, !authenticated).endValueFrom().build());
    }
    if (caFile != null) {
      env.add(new EnvVarBuilder().withName("TETHER_ETCD_CA_PEM").withValue(readCa()).build());
    }
    return env;
  }

  private String readCa() {
    try {
      return Files.readString(caFile);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the etcd CA " + caFile, e);
    }
  }

  private static String blank(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
