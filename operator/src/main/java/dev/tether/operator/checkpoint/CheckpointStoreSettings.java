package dev.tether.operator.checkpoint;

import dev.tether.store.StoreConfig;
import dev.tether.store.TenantAccess;
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
 *
 * @param username the operator's own etcd user (read-write on every session), or null where etcd has no
 *     authentication
 * @param adminUsername a user with etcd's {@code root} role, with which the operator manages etcd's users and
 *     roles (the namespaces' users, and its own when it bootstraps authentication); null: the operator's own
 *     user does, which then needs that role
 * @param bootstrapAuth whether the operator turns authentication on at start (an etcd of its own, such as the
 *     chart's quick-start one): the admin user as {@code root}, its own user, then auth enabled
 */
public record CheckpointStoreSettings(List<String> endpoints, String username, String password, Path caFile,
    String supervisorImage, String supervisorSecurityContextJson, String adminUsername, String adminPassword,
    boolean bootstrapAuth) {
  public static final String TENANT_SECRET = "tether-etcd";
  /** Where the supervisor container (and no other) finds the Secret's files. */
  public static final String CREDENTIALS_DIR = "/etc/tether/etcd";

  public CheckpointStoreSettings {
    if (bootstrapAuth && (username == null || password == null || adminPassword == null
        || !TenantAccess.ROOT.equals(adminUsername))) {
      throw new IllegalArgumentException("TETHER_ETCD_BOOTSTRAP_AUTH needs TETHER_ETCD_USERNAME, "
          + "TETHER_ETCD_PASSWORD and the root password in TETHER_ETCD_ADMIN_PASSWORD (admin user root)");
    }
  }

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
        blank(env.get("TETHER_SUPERVISOR_SECURITY_CONTEXT")),
        blank(env.get("TETHER_ETCD_ADMIN_PASSWORD")) == null ? null
            : env.getOrDefault("TETHER_ETCD_ADMIN_USERNAME", TenantAccess.ROOT),
        blank(env.get("TETHER_ETCD_ADMIN_PASSWORD")),
        Boolean.parseBoolean(env.getOrDefault("TETHER_ETCD_BOOTSTRAP_AUTH", "false"))));
  }

  public static CheckpointStoreSettings of(String... endpoints) {
    return new CheckpointStoreSettings(List.of(endpoints), null, null, null,
        "ghcr.io/tether-dev/tether-operator:0.1.0", null, null, null, false);
  }

  /** The same store, reached as the operator's own user, and as root for etcd's users and roles. */
  public CheckpointStoreSettings withCredentials(String user, String userPassword, String rootPassword,
      boolean bootstrap) {
    return new CheckpointStoreSettings(endpoints, user, userPassword, caFile, supervisorImage,
        supervisorSecurityContextJson, rootPassword == null ? null : TenantAccess.ROOT, rootPassword, bootstrap);
  }

  /** Whether etcd authenticates its clients: then the operator issues each session namespace its own user. */
  public boolean authenticated() {
    return username != null;
  }

  public StoreConfig storeConfig() {
    return anonymousStoreConfig().withCredentials(username, password);
  }

  /** As the user that manages etcd's users and roles: the admin user if there is one, else the operator's. */
  public StoreConfig adminStoreConfig() {
    return adminUsername == null ? storeConfig() : anonymousStoreConfig().withCredentials(adminUsername,
        adminPassword);
  }

  /** Without credentials: only where authentication is off (before the operator bootstraps it). */
  public StoreConfig anonymousStoreConfig() {
    StoreConfig config = StoreConfig.of(endpoints.toArray(String[]::new));
    if (caFile != null) {
      config = config.withTls(caFile, null, null);
    }
    return config;
  }

  /**
   * The store's address for supervisors, and the CA that verifies it (as PEM text: session namespaces cannot
   * mount the Secret the operator reads it from). Credentials come from the namespace's own Secret, mounted as
   * files into the supervisor container only ({@link SupervisorSidecar}); the password is never an env var.
   * The user name is also referenced from the Secret: required when the store has authentication on (the
   * operator has a user), so that a missing Secret shows as the supervisor's CreateContainerConfigError
   * instead of a supervisor that connects anonymously and is refused.
   */
  public List<EnvVar> supervisorEnv() {
    List<EnvVar> env = new ArrayList<>();
    env.add(new EnvVarBuilder().withName("TETHER_ETCD_ENDPOINTS").withValue(String.join(",", endpoints)).build());
    env.add(new EnvVarBuilder().withName("TETHER_ETCD_USERNAME")
        .withNewValueFrom().withNewSecretKeyRef("username", TENANT_SECRET, !authenticated()).endValueFrom().build());
    env.add(new EnvVarBuilder().withName("TETHER_ETCD_PASSWORD_FILE").withValue(CREDENTIALS_DIR + "/password")
        .build());
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
