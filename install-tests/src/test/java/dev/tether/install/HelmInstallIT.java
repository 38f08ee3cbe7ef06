package dev.tether.install;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.testbed.ControlPlane;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * helm install and uninstall against a real apiserver. No controller-manager runs, so the Deployment creates
 * no pods: the tests check the objects, not running operators.
 */
class HelmInstallIT {
  private static final TetherChart CHART = TetherChart.locate();
  private static final String CRD = "agentsessions.tether.dev";
  private static KubernetesClient admin;
  private static Path kubeconfig;

  @BeforeAll
  static void startApiserver() {
    ControlPlane controlPlane = SharedControlPlane.get();
    admin = controlPlane.client();
    kubeconfig = controlPlane.kubeconfigFile();
  }

  @Test
  void installsAsDocumentedThenUninstallKeepsTheCrd() {
    HelmResult install = CHART.install(kubeconfig, "tether-operator", "tether-system");
    assertThat(install.succeeded()).as(install.stderr()).isTrue();
    assertThat(install.stdout()).contains("STATUS: deployed", "Watching: all namespaces");

    assertThat(admin.apiextensions().v1().customResourceDefinitions().withName(CRD).get()).isNotNull();
    Deployment deployment = admin.apps().deployments().inNamespace("tether-system").withName("tether-operator").get();
    assertThat(deployment.getSpec().getReplicas()).isEqualTo(2);
    assertThat(admin.serviceAccounts().inNamespace("tether-system").withName("tether-operator").get()).isNotNull();
    assertThat(admin.services().inNamespace("tether-system").withName("tether-operator-metrics").get()).isNotNull();
    assertThat(admin.rbac().clusterRoles().withName("tether-system-tether-operator-sessions").get()).isNotNull();
    assertThat(admin.rbac().clusterRoleBindings().withName("tether-system-tether-operator-nodes").get()).isNotNull();
    assertThat(admin.rbac().roles().inNamespace("kube-node-lease").withName("tether-system-tether-operator-node-leases")
        .get()).isNotNull();
    assertThat(admin.rbac().roles().inNamespace("tether-system").withName("tether-operator-leader-election").get())
        .isNotNull();

    HelmResult uninstall = CHART.uninstall(kubeconfig, "tether-operator", "tether-system");
    assertThat(uninstall.succeeded()).as(uninstall.stderr()).isTrue();
    assertThat(admin.apps().deployments().inNamespace("tether-system").withName("tether-operator").get()).isNull();
    assertThat(admin.rbac().clusterRoles().withName("tether-system-tether-operator-sessions").get()).isNull();
    assertThat(admin.apiextensions().v1().customResourceDefinitions().withName(CRD).get())
        .as("Helm never deletes crds/").isNotNull();
  }

  @Test
  void installsWithProductionValuesInWatchNamespacesMode() {
    for (String ns : new String[] {"agents-a", "agents-b"}) {
      admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
          .serverSideApply();
    }
    HelmResult install = CHART.install(kubeconfig, "tether", "platform", "-f", ValuesFiles.path(ValuesFiles.PRODUCTION));
    assertThat(install.succeeded()).as(install.stderr()).isTrue();

    assertThat(admin.apps().deployments().inNamespace("platform").withName("tether-tether-operator").get()
        .getSpec().getReplicas()).isEqualTo(3);
    assertThat(admin.rbac().roles().inNamespace("agents-a").withName("tether-tether-operator-sessions").get()).isNotNull();
    assertThat(admin.rbac().roles().inNamespace("agents-b").withName("tether-tether-operator-sessions").get()).isNotNull();
    assertThat(admin.rbac().clusterRoles().withName("platform-tether-sessions").get()).isNull();
    assertThat(admin.policy().v1beta1().podDisruptionBudget().inNamespace("platform").withName("tether-tether-operator")
        .get()).as("policy/v1beta1 chosen for a v1.20 apiserver").isNotNull();
  }
}
