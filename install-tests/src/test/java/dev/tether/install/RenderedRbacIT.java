package dev.tether.install;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A client impersonating the chart's ServiceAccount gets what the chart grants, and nothing else. */
class RenderedRbacIT {
  private static final TetherChart CHART = TetherChart.locate();
  private static KubernetesClient admin;

  @BeforeAll
  static void startApiserver() {
    admin = SharedControlPlane.get().client();
  }

  @Test
  void allNamespacesModeListsPodsEverywhereButNoSecrets() {
    RenderedRbac rbac = RenderedRbac.of(CHART.render("rbac-all", "rbac-all"));
    assertThat(rbac.username()).isEqualTo("system:serviceaccount:rbac-all:rbac-all-tether-operator");
    try (KubernetesClient operator = rbac.applyAndImpersonate(admin)) {
      assertThat(operator.pods().inAnyNamespace().list().getItems()).isNotNull();
      assertThat(operator.nodes().list().getItems()).isNotNull();
      assertThat(operator.leases().inNamespace("kube-node-lease").list().getItems()).isNotNull();

      assertForbidden(() -> operator.secrets().inAnyNamespace().list());
      assertForbidden(() -> operator.secrets().inNamespace("rbac-all").list());
      assertForbidden(() -> operator.leases().inNamespace("default").list());
      assertForbidden(() -> operator.configMaps().inNamespace("rbac-all").list());
    }
  }

  @Test
  void watchNamespacesModeListsPodsOnlyInWatchedNamespaces() {
    RenderedRbac rbac = RenderedRbac.of(CHART.render("rbac-watch", "rbac-watch",
        "--set", "watchNamespaces={rbac-watched}"));
    try (KubernetesClient operator = rbac.applyAndImpersonate(admin)) {
      assertThat(operator.pods().inNamespace("rbac-watched").list().getItems()).isNotNull();
      assertForbidden(() -> operator.pods().inNamespace("default").list());
      assertForbidden(() -> operator.pods().inAnyNamespace().list());
    }
  }

  @Test
  void removingThePodsRuleForbidsPods() {
    RenderedRbac rbac = RenderedRbac.of(CHART.render("rbac-nopods", "rbac-nopods"))
        .withoutRules(RenderedRbac.grantsOn("", "pods"));
    try (KubernetesClient operator = rbac.applyAndImpersonate(admin)) {
      // The same role still grants PVCs: the rules are in effect, only the pods rule is gone.
      assertThat(operator.persistentVolumeClaims().inAnyNamespace().list().getItems()).isNotNull();
      assertForbidden(() -> operator.pods().inAnyNamespace().list());
      assertForbidden(() -> operator.pods().inNamespace("rbac-nopods").list());
    }
  }

  @Test
  void outOfServiceTaintNeedsTheFencingFlag() {
    admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("rbac-fence").endMetadata().build())
        .serverSideApply();
    RenderedRbac plain = RenderedRbac.of(CHART.render("rbac-plain", "rbac-fence"));
    RenderedRbac fencing = RenderedRbac.of(CHART.render("rbac-fencing", "rbac-fence",
        "--set", "fencing.allowOutOfServiceTaint=true"));
    try (KubernetesClient withoutFlag = plain.applyAndImpersonate(admin);
        KubernetesClient withFlag = fencing.applyAndImpersonate(admin)) {
      String node = "fence-test-node";
      admin.nodes().resource(new io.fabric8.kubernetes.api.model.NodeBuilder().withNewMetadata().withName(node)
          .endMetadata().build()).serverSideApply();
      String label = "{\"metadata\":{\"labels\":{\"tether.dev/probe\":\"x\"}}}";
      assertForbidden(() -> withoutFlag.nodes().withName(node).patch(label));
      assertThat(withFlag.nodes().withName(node).patch(label).getMetadata().getLabels())
          .containsEntry("tether.dev/probe", "x");
    }
  }

  private static void assertForbidden(Runnable call) {
    assertThatThrownBy(call::run).isInstanceOfSatisfying(KubernetesClientException.class,
        e -> assertThat(e.getCode()).as(e.getMessage()).isEqualTo(403));
  }
}
