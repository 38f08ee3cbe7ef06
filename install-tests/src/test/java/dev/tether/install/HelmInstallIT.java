package dev.tether.install;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.testbed.Binaries;
import dev.tether.testbed.ControlPlane;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
  void installsUpgradesAndUninstallsAsDocumented() {
    HelmResult install = CHART.install(kubeconfig, "tether-operator", "tether-system");
    assertThat(install.succeeded()).as(install.stderr()).isTrue();
    assertThat(install.stdout()).contains("STATUS: deployed", "Watching: all namespaces",
        "WARNING: no checkpoint store (etcd) is configured");

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

    upgradeAsDocumented();

    HelmResult uninstall = CHART.uninstall(kubeconfig, "tether-operator", "tether-system");
    assertThat(uninstall.succeeded()).as(uninstall.stderr()).isTrue();
    assertThat(admin.apps().deployments().inNamespace("tether-system").withName("tether-operator").get()).isNull();
    assertThat(admin.rbac().clusterRoles().withName("tether-system-tether-operator-sessions").get()).isNull();
    assertThat(admin.apiextensions().v1().customResourceDefinitions().withName(CRD).get())
        .as("Helm never deletes crds/").isNotNull();
  }

  /**
   * docs/install.md: CRDs first with server-side apply, then helm upgrade. Without --force-conflicts the
   * apply fails even for an unchanged CRD: Helm created it and owns .spec.versions.
   */
  private static void upgradeAsDocumented() {
    Path kubectl = Binaries.find("kubectl").orElse(Path.of("/usr/bin/kubectl"));
    ProcessResult apply = ProcessResult.run(List.of(kubectl.toString(), "--kubeconfig", kubeconfig.toString(),
        "apply", "--server-side", "--force-conflicts", "-f", CHART.repoCrd().getParent().toString()));
    assertThat(apply.exitCode()).as(apply.output()).isZero();
    assertThat(apply.output()).contains("customresourcedefinition.apiextensions.k8s.io/" + CRD + " serverside-applied");

    HelmResult upgrade = CHART.helm().withKubeconfig(kubeconfig).run("upgrade", "tether-operator",
        CHART.dir().toString(), "--namespace", "tether-system", "--reuse-values", "--set", "replicaCount=3");
    assertThat(upgrade.succeeded()).as(upgrade.stderr()).isTrue();
    assertThat(admin.apps().deployments().inNamespace("tether-system").withName("tether-operator").get()
        .getSpec().getReplicas()).isEqualTo(3);
  }

  /** Exit code and merged output of a short command. */
  private record ProcessResult(int exitCode, String output) {
    static ProcessResult run(List<String> command) {
      try {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          throw new IllegalStateException(command + " did not finish");
        }
        return new ProcessResult(process.exitValue(), output);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  @Test
  void installsWithProductionValuesInWatchNamespacesMode() {
    for (String ns : new String[] {"agents-a", "agents-b"}) {
      admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
          .serverSideApply();
    }
    HelmResult install = CHART.install(kubeconfig, "tether", "platform", "-f", ValuesFiles.path(ValuesFiles.PRODUCTION));
    assertThat(install.succeeded()).as(install.stderr()).isTrue();
    assertThat(install.stdout()).contains("Watching: namespaces agents-a, agents-b").doesNotContain("WARNING");

    assertThat(admin.apps().deployments().inNamespace("platform").withName("tether-tether-operator").get()
        .getSpec().getReplicas()).isEqualTo(3);
    assertThat(admin.rbac().roles().inNamespace("agents-a").withName("tether-tether-operator-sessions").get()).isNotNull();
    assertThat(admin.rbac().roles().inNamespace("agents-b").withName("tether-tether-operator-sessions").get()).isNotNull();
    assertThat(admin.rbac().clusterRoles().withName("platform-tether-sessions").get()).isNull();
    assertThat(admin.policy().v1beta1().podDisruptionBudget().inNamespace("platform").withName("tether-tether-operator")
        .get()).as("policy/v1beta1 chosen for a v1.20 apiserver").isNotNull();
  }
}
