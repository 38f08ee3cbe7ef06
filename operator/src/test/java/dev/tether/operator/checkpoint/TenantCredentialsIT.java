package dev.tether.operator.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tether.api.Tether;
import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.operator.OperatorSettings;
import dev.tether.operator.Sessions;
import dev.tether.operator.TetherOperator;
import dev.tether.operator.status.Conditions;
import dev.tether.store.CommitResult;
import dev.tether.store.ContextStore;
import dev.tether.store.Manifest;
import dev.tether.store.SessionKey;
import dev.tether.store.StoreAccessDeniedException;
import dev.tether.store.StoreConfig;
import dev.tether.testbed.ControlPlane;
import dev.tether.testbed.EtcdServer;
import dev.tether.testbed.Namespaces;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import dev.tether.store.TenantAccess;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Against a real kube-apiserver and a real etcd whose authentication the operator turned on itself: every
 * session namespace gets its own etcd user in its own Secret, which reaches that namespace's checkpoints and no
 * other's. A control plane of its own, so that no other test's operator reconciles these sessions.
 */
class TenantCredentialsIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final String ROOT_PASSWORD = "root-" + Long.toHexString(System.nanoTime());
  private static final String OPERATOR_USER = "tether-operator";
  private static final String OPERATOR_PASSWORD = "operator-" + Long.toHexString(System.nanoTime());
  private static final String DIGEST = "sha256:" + "cd".repeat(32);

  private static ControlPlane plane;
  private static EtcdServer etcd;
  private static CheckpointStoreSettings settings;
  private static CheckpointWiring wiring;
  private static TetherOperator operator;

  @BeforeAll
  static void start() {
    plane = ControlPlane.start();
    plane.installCrd();
    etcd = EtcdServer.start();
    settings = CheckpointStoreSettings.of(etcd.endpoint())
        .withCredentials(OPERATOR_USER, OPERATOR_PASSWORD, ROOT_PASSWORD, true);
    startOperator();
  }

  private static void startOperator() {
    wiring = CheckpointWiring.connect(settings, Duration.ofMillis(200), false);
    operator = TetherOperator.builder(plane.newClient()).settings(OperatorSettings.defaults()).checkpoints(wiring)
        .start();
  }

  private static void stopOperator() {
    operator.close();
    wiring.close();
  }

  @AfterAll
  static void stop() {
    if (operator != null) {
      stopOperator();
    }
    if (etcd != null) {
      etcd.close();
    }
    if (plane != null) {
      plane.close();
    }
  }

  private static KubernetesClient client() {
    return plane.client();
  }

  private static AgentSession createSession(String namespace, String name) {
    return client().resource(Sessions.agent(namespace, name)).create();
  }

  private static Secret awaitSecret(String namespace) {
    return await("Secret tether-etcd in " + namespace).atMost(TIMEOUT).pollInterval(Duration.ofMillis(200))
        .until(() -> client().secrets().inNamespace(namespace).withName(CheckpointStoreSettings.TENANT_SECRET).get(),
            s -> s != null);
  }

  private static String value(Secret secret, String key) {
    return new String(Base64.getDecoder().decode(secret.getData().get(key)), StandardCharsets.UTF_8);
  }

  private static StoreConfig as(Secret secret) {
    return StoreConfig.of(etcd.endpoint()).withCredentials(value(secret, "username"), value(secret, "password"));
  }

  /** The epoch the operator raised for the session's first incarnation. */
  private static long awaitEpoch(ContextStore store, SessionKey key) {
    return await("epoch of " + key).atMost(TIMEOUT).pollInterval(Duration.ofMillis(200))
        .until(() -> store.epoch(key), e -> e >= 1);
  }

  private static Manifest manifest(long sequence, long epoch) {
    return new Manifest(sequence, epoch, DIGEST, 10, Instant.now(), Map.of(), null);
  }

  @Test
  void eachNamespaceGetsItsOwnUserThatReachesOnlyItsOwnSessions() {
    String a = Namespaces.create(client(), "tenant-a");
    String b = Namespaces.create(client(), "tenant-b");
    createSession(a, "agent");
    createSession(b, "agent");

    Secret secretA = awaitSecret(a);
    Secret secretB = awaitSecret(b);
    assertThat(secretA.getMetadata().getLabels()).containsEntry(Tether.LABEL_MANAGED_BY, Tether.MANAGER);
    assertThat(value(secretA, "username")).isEqualTo(TenantCredentials.userFor(a));
    assertThat(value(secretA, "password")).hasSize(TenantCredentials.PASSWORD_LENGTH)
        .isNotEqualTo(value(secretB, "password"));

    SessionKey keyA = SessionKey.of(a, "agent");
    SessionKey keyB = SessionKey.of(b, "agent");
    try (ContextStore tenantA = ContextStore.connect(as(secretA));
         ContextStore tenantB = ContextStore.connect(as(secretB))) {
      long epochA = awaitEpoch(tenantA, keyA);
      assertThat(tenantA.commit(keyA, epochA, manifest(1, epochA))).isInstanceOf(CommitResult.Committed.class);
      assertThat(tenantA.manifests(keyA)).extracting(Manifest::sequence).containsExactly(1L);

      long epochB = awaitEpoch(tenantB, keyB);
      assertThatThrownBy(() -> tenantA.epoch(keyB)).isInstanceOf(StoreAccessDeniedException.class)
          .hasMessageContaining("permission denied");
      assertThatThrownBy(() -> tenantA.manifests(keyB)).isInstanceOf(StoreAccessDeniedException.class);
      assertThatThrownBy(() -> tenantA.commit(keyB, epochB, manifest(1, epochB)))
          .isInstanceOf(StoreAccessDeniedException.class);
      assertThat(tenantB.manifests(keyB)).as("B's checkpoints untouched").isEmpty();

      // Another namespace's first session changes etcd's users and roles; clients already connected go on.
      String c = Namespaces.create(client(), "tenant-c");
      createSession(c, "agent");
      try (ContextStore tenantC = ContextStore.connect(as(awaitSecret(c)))) {
        awaitEpoch(tenantC, SessionKey.of(c, "agent"));
      }
      assertThat(tenantA.commit(keyA, epochA, manifest(2, epochA))).isInstanceOf(CommitResult.Committed.class);
      assertThat(tenantA.manifests(keyA)).extracting(Manifest::sequence).containsExactlyInAnyOrder(1L, 2L);
    }
    try (ContextStore anonymous = ContextStore.connect(StoreConfig.of(etcd.endpoint()))) {
      assertThatThrownBy(() -> anonymous.epoch(keyA)).as("auth is on").isInstanceOf(StoreAccessDeniedException.class);
    }

    // The pod as the apiserver stored it: the Secret reaches the supervisor as files, and nothing else.
    Pod pod = await("pod of A").atMost(TIMEOUT).pollInterval(Duration.ofMillis(200))
        .until(() -> client().pods().inNamespace(a).withLabel(Tether.LABEL_SESSION, "agent").list().getItems(),
            pods -> !pods.isEmpty()).get(0);
    assertThat(pod.getSpec().getVolumes()).filteredOn(v -> v.getSecret() != null)
        .singleElement().satisfies(v -> assertThat(v.getSecret().getSecretName())
            .isEqualTo(CheckpointStoreSettings.TENANT_SECRET));
    assertThat(pod.getSpec().getContainers()).filteredOn(c -> c.getVolumeMounts().stream()
            .anyMatch(m -> SupervisorSidecar.CREDENTIALS_VOLUME.equals(m.getName())))
        .extracting(c -> c.getName()).containsExactly(Tether.SUPERVISOR_CONTAINER);
    assertThat(pod.getSpec().getContainers()).flatExtracting(c -> c.getEnv())
        .noneMatch(e -> e.getName().equals("TETHER_ETCD_PASSWORD"));
  }

  @Test
  void aSecretThatTetherDidNotCreateIsLeftAsItIsAndTheSessionSaysWhy() {
    String ns = Namespaces.create(client(), "tenant-foreign");
    Secret foreign = client().resource(new SecretBuilder()
        .withNewMetadata().withName(CheckpointStoreSettings.TENANT_SECRET).withNamespace(ns).endMetadata()
        .addToStringData("username", "hand-made").addToStringData("password", "kept-as-is")
        .build()).create();
    createSession(ns, "agent");

    AgentSession session = await("Degraded TenantSecretNotManaged").atMost(TIMEOUT)
        .pollInterval(Duration.ofMillis(200))
        .until(() -> client().resources(AgentSession.class).inNamespace(ns).withName("agent").get(),
            s -> s.getStatus() != null && Conditions.find(s.getStatus().getConditions(), Conditions.DEGRADED)
                .filter(c -> "True".equals(c.getStatus()) && "TenantSecretNotManaged".equals(c.getReason()))
                .isPresent());
    assertThat(Conditions.find(session.getStatus().getConditions(), Conditions.DEGRADED).orElseThrow().getMessage())
        .contains("not created by Tether").contains(Tether.LABEL_MANAGED_BY);
    Event warning = await("Warning Event").atMost(TIMEOUT).pollInterval(Duration.ofMillis(200))
        .until(() -> client().v1().events().inNamespace(ns).list().getItems().stream()
            .filter(e -> "TenantSecretNotManaged".equals(e.getReason())).findFirst().orElse(null), e -> e != null);
    assertThat(warning.getType()).isEqualTo("Warning");
    assertThat(warning.getInvolvedObject().getName()).isEqualTo("agent");

    Secret after = client().secrets().inNamespace(ns).withName(CheckpointStoreSettings.TENANT_SECRET).get();
    assertThat(after.getMetadata().getResourceVersion()).isEqualTo(foreign.getMetadata().getResourceVersion());
    assertThat(value(after, "password")).isEqualTo("kept-as-is");
    assertThat(after.getMetadata().getLabels()).isNullOrEmpty();
  }

  /** etcd restored from scratch, or the user deleted: the next operator issues it again with the Secret's password. */
  @Test
  void aUserThatEtcdLostIsIssuedAgainWithThePasswordTheSecretHolds() throws Exception {
    String ns = Namespaces.create(client(), "tenant-lost");
    createSession(ns, "agent");
    Secret secret = awaitSecret(ns);
    SessionKey key = SessionKey.of(ns, "agent");
    try (ContextStore tenant = ContextStore.connect(as(secret))) {
      awaitEpoch(tenant, key);
    }

    stopOperator();
    try (Client root = Client.builder().endpoints(etcd.endpoint()).user(bytes("root"))
        .password(bytes(ROOT_PASSWORD)).build()) {
      root.getAuthClient().userDelete(bytes(value(secret, "username"))).get(10, TimeUnit.SECONDS);
    }
    try (ContextStore tenant = ContextStore.connect(as(secret))) {
      assertThatThrownBy(() -> tenant.epoch(key)).as("the user is gone")
          .isInstanceOf(StoreAccessDeniedException.class);
    }

    startOperator(); // which reconciles every session as it starts
    await("the Secret's credentials work again").atMost(TIMEOUT).pollInterval(Duration.ofMillis(500))
        .ignoreException(StoreAccessDeniedException.class)
        .until(() -> {
          try (ContextStore tenant = ContextStore.connect(as(secret))) {
            return tenant.epoch(key) >= 1;
          }
        });
    assertThat(client().secrets().inNamespace(ns).withName(CheckpointStoreSettings.TENANT_SECRET).get()
        .getMetadata().getResourceVersion()).as("the Secret itself unchanged")
        .isEqualTo(secret.getMetadata().getResourceVersion());
  }

  @Test
  void theLastSessionOfANamespaceTakesItsUserRoleAndSecretAlong() throws Exception {
    String ns = Namespaces.create(client(), "tenant-gone");
    createSession(ns, "first");
    createSession(ns, "second");
    Secret secret = awaitSecret(ns);
    try (ContextStore tenant = ContextStore.connect(as(secret))) {
      awaitEpoch(tenant, SessionKey.of(ns, "first"));
      awaitEpoch(tenant, SessionKey.of(ns, "second"));
    }
    String user = value(secret, "username");
    String role = TenantCredentials.userFor(ns);

    deleteSession(ns, "first");
    try (ContextStore tenant = ContextStore.connect(as(secret))) {
      assertThat(tenant.epoch(SessionKey.of(ns, "second"))).as("another session remains: its user works")
          .isGreaterThanOrEqualTo(1);
    }
    assertThat(client().secrets().inNamespace(ns).withName(CheckpointStoreSettings.TENANT_SECRET).get()
        .getMetadata().getResourceVersion()).isEqualTo(secret.getMetadata().getResourceVersion());
    assertThat(users()).contains(user);
    assertThat(roles()).contains(role);

    deleteSession(ns, "second");
    await("the user and role removed").atMost(TIMEOUT).pollInterval(Duration.ofMillis(200))
        .untilAsserted(() -> {
          assertThat(users()).doesNotContain(user);
          assertThat(roles()).doesNotContain(role);
        });
    assertThat(client().secrets().inNamespace(ns).withName(CheckpointStoreSettings.TENANT_SECRET).get()).isNull();
    try (ContextStore tenant = ContextStore.connect(as(secret))) {
      assertThatThrownBy(() -> tenant.epoch(SessionKey.of(ns, "second"))).isInstanceOf(StoreAccessDeniedException.class);
    }

    // A new first session issues everything again, with a new password.
    createSession(ns, "third");
    Secret again = awaitSecret(ns);
    assertThat(value(again, "password")).isNotEqualTo(value(secret, "password"));
    try (ContextStore tenant = ContextStore.connect(as(again))) {
      awaitEpoch(tenant, SessionKey.of(ns, "third"));
    }
  }

  @Test
  void aForeignSecretStaysWhenTheLastSessionGoes() {
    String ns = Namespaces.create(client(), "tenant-foreign-gone");
    Secret foreign = client().resource(new SecretBuilder()
        .withNewMetadata().withName(CheckpointStoreSettings.TENANT_SECRET).withNamespace(ns).endMetadata()
        .addToStringData("username", "hand-made").addToStringData("password", "kept-as-is")
        .build()).create();
    createSession(ns, "agent");
    await("the session reconciled").atMost(TIMEOUT).pollInterval(Duration.ofMillis(200))
        .until(() -> client().resources(AgentSession.class).inNamespace(ns).withName("agent").get().getStatus(),
            status -> status != null);

    deleteSession(ns, "agent");
    Secret after = client().secrets().inNamespace(ns).withName(CheckpointStoreSettings.TENANT_SECRET).get();
    assertThat(after).isNotNull();
    assertThat(after.getMetadata().getResourceVersion()).isEqualTo(foreign.getMetadata().getResourceVersion());
  }

  /** The chart's RBAC before it grants delete on Secrets: the Secret stays, the etcd user goes all the same. */
  @Test
  void aRefusedSecretDeleteLeavesTheSecretAndStillRemovesTheUser() throws Exception {
    String ns = Namespaces.create(client(), "tenant-rbac");
    String user = "secrets-get-create";
    client().resource(new RoleBuilder().withNewMetadata().withName(user).withNamespace(ns).endMetadata()
        .addNewRule().withApiGroups("").withResources("secrets").withVerbs("get", "create").endRule().build()).create();
    client().resource(new RoleBindingBuilder().withNewMetadata().withName(user).withNamespace(ns).endMetadata()
        .withNewRoleRef("rbac.authorization.k8s.io", "Role", user)
        .addNewSubject().withKind("User").withName(user).withApiGroup("rbac.authorization.k8s.io").endSubject()
        .build()).create();
    try (KubernetesClient limited = new KubernetesClientBuilder().withConfig(plane.configFor(user)).build();
         ContextStore root = ContextStore.connect(StoreConfig.of(etcd.endpoint())
             .withCredentials("root", ROOT_PASSWORD))) {
      TenantCredentials credentials = new TenantCredentials(limited, new TenantAccess(root), java.time.Clock.systemUTC());
      assertThat(credentials.ensure(ns)).isEmpty();
      assertThat(users()).contains(TenantCredentials.userFor(ns));

      assertThat(credentials.releaseIfLast(ns, () -> true)).as("another session remains").isEmpty();
      assertThat(users()).contains(TenantCredentials.userFor(ns));

      assertThat(credentials.releaseIfLast(ns, () -> false)).hasValueSatisfying(removed -> assertThat(removed)
          .contains(TenantCredentials.userFor(ns)).doesNotContain("Secret"));
      assertThat(users()).doesNotContain(TenantCredentials.userFor(ns));
      assertThat(roles()).doesNotContain(TenantCredentials.userFor(ns));
      assertThat(client().secrets().inNamespace(ns).withName(CheckpointStoreSettings.TENANT_SECRET).get())
          .as("kept: the operator may not delete it").isNotNull();

      // The namespace's next session uses the kept Secret again.
      assertThat(credentials.ensure(ns)).isEmpty();
      assertThat(users()).contains(TenantCredentials.userFor(ns));
    }
  }

  /** Deletes the session and waits until the operator's cleanup let it go. */
  private static void deleteSession(String namespace, String name) {
    client().resources(AgentSession.class).inNamespace(namespace).withName(name).delete();
    await(name + " deleted").atMost(TIMEOUT).pollInterval(Duration.ofMillis(200))
        .until(() -> client().resources(AgentSession.class).inNamespace(namespace).withName(name).get() == null);
  }

  private static java.util.List<String> users() throws Exception {
    try (Client root = rootClient()) {
      return root.getAuthClient().userList().get(10, TimeUnit.SECONDS).getUsers();
    }
  }

  private static java.util.List<String> roles() throws Exception {
    try (Client root = rootClient()) {
      return root.getAuthClient().roleList().get(10, TimeUnit.SECONDS).getRoles();
    }
  }

  private static Client rootClient() {
    return Client.builder().endpoints(etcd.endpoint()).user(bytes("root")).password(bytes(ROOT_PASSWORD)).build();
  }

  private static ByteSequence bytes(String text) {
    return ByteSequence.from(text, StandardCharsets.UTF_8);
  }
}
