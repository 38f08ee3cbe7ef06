package dev.tether.operator.checkpoint;

import dev.tether.api.Tether;
import dev.tether.store.StoreException;
import dev.tether.store.TenantAccess;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each session namespace's own etcd user, and the Secret {@value CheckpointStoreSettings#TENANT_SECRET} its
 * supervisors read it from. On a namespace's first session the operator creates the Secret (a random
 * password; never over an existing one) and makes etcd's user match it: the namespace's role, read-write on
 * that namespace's sessions only, and the Secret's password (so a user that etcd lost, e.g. restored from
 * scratch, is issued again with the password the pods already have). A Secret of that name that Tether did
 * not create is left exactly as it is, and so is etcd: the namespace's supervisors use whatever it holds, and
 * the session says so.
 *
 * <p>When a namespace's last session goes, {@link #releaseIfLast} removes the user, its role and the Secret
 * (only if Tether created it). Both run under one lock per namespace, and the release asks whether other
 * sessions remain only once it holds the lock: a session created meanwhile is either seen, or its
 * {@link #ensure} runs after the release and issues everything again.
 */
public final class TenantCredentials {
  private static final Logger LOG = LoggerFactory.getLogger(TenantCredentials.class);
  /** Marks the Secrets the operator created; a Secret without it is the admin's, or a tenant's. */
  public static final Map<String, String> LABELS = Map.of(Tether.LABEL_MANAGED_BY, Tether.MANAGER);
  static final int PASSWORD_LENGTH = 32;
  private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  /** How long a namespace counts as provisioned before the operator looks at its Secret and user again. */
  static final Duration RECHECK = Duration.ofMinutes(10);

  /** Why a namespace's supervisors may not have working credentials. */
  public record Problem(String reason, String message) {}

  private final KubernetesClient client;
  private final TenantAccess access;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, Instant> provisioned = new ConcurrentHashMap<>();
  private final Map<String, Object> locks = new ConcurrentHashMap<>();

  public TenantCredentials(KubernetesClient client, TenantAccess access, Clock clock) {
    this.client = client;
    this.access = access;
    this.clock = clock;
  }

  /** The etcd user of a namespace. */
  public static String userFor(String namespace) {
    return TenantAccess.roleFor(namespace);
  }

  /** Empty once the namespace's Secret and etcd user agree; else what stands in the way. */
  public Optional<Problem> ensure(String namespace) {
    synchronized (lock(namespace)) {
      return ensureLocked(namespace);
    }
  }

  /**
   * Removes the namespace's etcd user and role, and its Secret if Tether created it, unless {@code othersRemain}
   * answers true (asked under the namespace's lock). A Secret the operator may not delete (RBAC) stays, and is
   * used again by the namespace's next session; the etcd user goes all the same.
   *
   * @return what was removed, for the session's Event; empty when nothing was
   */
  public Optional<String> releaseIfLast(String namespace, BooleanSupplier othersRemain) {
    synchronized (lock(namespace)) {
      if (othersRemain.getAsBoolean()) {
        return Optional.empty();
      }
      provisioned.remove(namespace);
      String user = userFor(namespace);
      Resource<Secret> resource = client.secrets().inNamespace(namespace)
          .withName(CheckpointStoreSettings.TENANT_SECRET);
      Secret secret = resource.get();
      if (secret != null && isTethers(secret)) {
        String named = decoded(secret, "username");
        user = named == null ? user : named;
      }
      access.removeUser(user);
      access.revokeTenant(namespace);
      String removed = "etcd user " + user + " and role " + TenantAccess.roleFor(namespace);
      if (secret == null || !isTethers(secret)) {
        return Optional.of(removed);
      }
      try {
        resource.delete();
        return Optional.of(removed + " and the Secret " + CheckpointStoreSettings.TENANT_SECRET);
      } catch (KubernetesClientException e) {
        if (e.getCode() != HttpURLConnection.HTTP_FORBIDDEN) {
          throw e;
        }
        LOG.warn("namespace {}: kept the Secret {}, the operator may not delete Secrets ({}); the namespace's "
            + "next session uses it again", namespace, CheckpointStoreSettings.TENANT_SECRET, e.getMessage());
        return Optional.of(removed);
      }
    }
  }

  private Object lock(String namespace) {
    return locks.computeIfAbsent(namespace, n -> new Object());
  }

  private Optional<Problem> ensureLocked(String namespace) {
    Instant last = provisioned.get(namespace);
    if (last != null && clock.instant().isBefore(last.plus(RECHECK))) {
      return Optional.empty();
    }
    Resource<Secret> resource = client.secrets().inNamespace(namespace).withName(CheckpointStoreSettings.TENANT_SECRET);
    Secret secret;
    try {
      secret = resource.get();
      if (secret == null) {
        secret = create(resource, namespace);
      }
    } catch (KubernetesClientException e) {
      return Optional.of(new Problem("TenantCredentialsUnavailable", "cannot read or create the Secret "
          + CheckpointStoreSettings.TENANT_SECRET + " in namespace " + namespace + ": " + e.getMessage()));
    }
    if (!isTethers(secret)) {
      return Optional.of(new Problem("TenantSecretNotManaged", "the Secret " + CheckpointStoreSettings.TENANT_SECRET
          + " in namespace " + namespace + " was not created by Tether (it lacks the label "
          + Tether.LABEL_MANAGED_BY + "=" + Tether.MANAGER + "): the operator neither overwrites it nor issues "
          + "this namespace's etcd user, and the supervisors connect with whatever it holds; delete it to have "
          + "the operator issue the namespace's own credentials"));
    }
    String user = decoded(secret, "username");
    String password = decoded(secret, "password");
    if (user == null || password == null) {
      return Optional.of(new Problem("TenantSecretInvalid", "the Secret " + CheckpointStoreSettings.TENANT_SECRET
          + " in namespace " + namespace + " lacks the key username or password; delete it to have the operator "
          + "issue it again"));
    }
    try {
      access.grantTenant(namespace, user, password);
      access.setPassword(user, password);
    } catch (StoreException e) {
      return Optional.of(new Problem("TenantCredentialsUnavailable", "cannot issue namespace " + namespace
          + " its etcd user " + user + ": " + e.getMessage()));
    }
    provisioned.put(namespace, clock.instant());
    return Optional.empty();
  }

  /** Whether the operator created this Secret. */
  public static boolean isTethers(Secret secret) {
    Map<String, String> labels = secret.getMetadata().getLabels();
    return labels != null && Tether.MANAGER.equals(labels.get(Tether.LABEL_MANAGED_BY));
  }

  /** Creates the Secret; when another writer was first, theirs stands. */
  private Secret create(Resource<Secret> resource, String namespace) {
    Secret fresh = new SecretBuilder()
        .withNewMetadata()
          .withName(CheckpointStoreSettings.TENANT_SECRET)
          .withNamespace(namespace)
          .withLabels(LABELS)
        .endMetadata()
        .withType("Opaque")
        .addToStringData("username", userFor(namespace))
        .addToStringData("password", password())
        .build();
    try {
      return client.resource(fresh).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
        throw e;
      }
      return resource.get();
    }
  }

  private String password() {
    StringBuilder password = new StringBuilder(PASSWORD_LENGTH);
    for (int i = 0; i < PASSWORD_LENGTH; i++) {
      password.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
    }
    return password.toString();
  }

  private static String decoded(Secret secret, String key) {
    String value = secret.getData() == null ? null : secret.getData().get(key);
    if (value == null || value.isBlank()) {
      return null;
    }
    return new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8);
  }
}
