package dev.tether.testbed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AuditLogIT {
  private static final String ADMIN = "kubeapitest";
  private static final String BENCH_USER = "tether-bench";

  @Test
  void countsWritesByVerbResourceAndUser() {
    ControlPlane plane = SharedControlPlane.get();
    AuditLog log = plane.auditLog().orElseThrow();
    KubernetesClient admin = plane.client();
    String ns = Namespaces.create(admin, "audit");
    String operator = "system:serviceaccount:" + ns + ":tether-operator";
    Instant from = Instant.now();

    allowConfigMapCreation(admin, ns, operator);
    admin.configMaps().inNamespace(ns).resource(configMap("a")).create();
    admin.configMaps().inNamespace(ns).resource(configMap("b")).create();
    admin.configMaps().inNamespace(ns).resource(configMap("c")).create();
    ConfigMap a = admin.configMaps().inNamespace(ns).withName("a").get();
    a.getData().put("key", "changed");
    admin.configMaps().inNamespace(ns).resource(a).update();
    admin.configMaps().inNamespace(ns).resource(configMap("b")).forceConflicts().serverSideApply();
    admin.configMaps().inNamespace(ns).withName("c").delete();
    admin.configMaps().inNamespace(ns).withName("a").get(); // reads are not logged
    Config impersonating = plane.config();
    impersonating.setImpersonateUsername(operator);
    try (KubernetesClient asOperator = new KubernetesClientBuilder().withConfig(impersonating).build();
         KubernetesClient asBench = new KubernetesClientBuilder().withConfig(plane.configFor(BENCH_USER)).build()) {
      asOperator.configMaps().inNamespace(ns).resource(configMap("op-1")).create();
      asOperator.configMaps().inNamespace(ns).resource(configMap("op-2")).create();
      asBench.configMaps().inNamespace(ns).resource(configMap("bench-1")).create();
    }
    Instant to = Instant.now();

    Map<AuditLog.Key, Long> expected = Map.of(
        new AuditLog.Key("create", "roles", ADMIN), 1L,
        new AuditLog.Key("create", "rolebindings", ADMIN), 1L,
        new AuditLog.Key("create", "configmaps", ADMIN), 3L,
        new AuditLog.Key("update", "configmaps", ADMIN), 1L,
        new AuditLog.Key("patch", "configmaps", ADMIN), 1L,
        new AuditLog.Key("delete", "configmaps", ADMIN), 1L,
        new AuditLog.Key("create", "configmaps", operator), 2L,
        new AuditLog.Key("create", "configmaps", BENCH_USER), 1L);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(log.countWrites(from, to, e -> ns.equals(e.namespace()))).isEqualTo(expected));
    assertThat(log.countWritesBy(operator, from, to)).isEqualTo(2);
    assertThat(log.events(from, to, e -> e.user().equals(operator)))
        .allSatisfy(e -> assertThat(e.authenticatedUser()).isEqualTo(ADMIN))
        .allSatisfy(e -> assertThat(e.code()).isEqualTo(201));
    assertThat(log.countWritesBy(operator, to, Instant.now())).as("nothing after the window").isZero();
  }

  /** The operator (impersonated) and the bench user (own certificate) may create config maps in {@code ns}. */
  private static void allowConfigMapCreation(KubernetesClient admin, String ns, String operator) {
    admin.rbac().roles().inNamespace(ns).resource(new RoleBuilder().withNewMetadata().withName("writer").endMetadata()
        .addNewRule().withApiGroups("").withResources("configmaps").withVerbs("create").endRule().build()).create();
    admin.rbac().roleBindings().inNamespace(ns).resource(new RoleBindingBuilder()
        .withNewMetadata().withName("writers").endMetadata()
        .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("Role").withName("writer").endRoleRef()
        .addNewSubject().withKind("ServiceAccount").withName("tether-operator").withNamespace(ns).endSubject()
        .addNewSubject().withKind("User").withApiGroup("rbac.authorization.k8s.io").withName(BENCH_USER).endSubject()
        .build()).create();
  }

  private static ConfigMap configMap(String name) {
    return new ConfigMapBuilder().withNewMetadata().withName(name).endMetadata().addToData("key", name).build();
  }
}
