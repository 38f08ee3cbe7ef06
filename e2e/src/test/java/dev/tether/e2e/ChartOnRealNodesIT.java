package dev.tether.e2e;

import dev.tether.install.ChartOnRealCluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tether.store.ContextStore;
import dev.tether.store.SessionKey;
import dev.tether.store.StoreAccessDeniedException;
import dev.tether.store.StoreConfig;
import dev.tether.store.StoreUnavailableException;
import java.time.Duration;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code helm install} of the chart on real nodes: the operator image runs as two real pods under the chart's
 * ServiceAccount, RBAC and restricted security context, reaches the apiserver in-cluster, and one replica
 * holds the leader Lease; the quick-start etcd runs from the project's etcd image on a real volume.
 */
class ChartOnRealNodesIT {
  private static TetherOnRealNodes tether;

  @BeforeAll
  static void install() {
    TetherOnRealNodes.assumeAvailable(ChartOnRealNodesIT.class);
    tether = TetherOnRealNodes.get();
  }

  @Test
  void theOperatorRunsAsTwoRestrictedReplicasAndOneLeads() {
    List<Pod> operators = tether.client().pods().inNamespace(tether.namespace)
        .withLabel("app.kubernetes.io/component", "operator").list().getItems();
    assertThat(operators).hasSize(2).allSatisfy(pod -> {
      assertThat(ChartOnRealCluster.isReady(pod)).isTrue();
      assertThat(pod.getSpec().getNodeName()).isEqualTo(tether.cluster.infraNode().name());
      assertThat(pod.getSpec().getServiceAccountName()).contains("tether");
      var container = pod.getSpec().getContainers().get(0);
      assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
      assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
      assertThat(pod.getSpec().getSecurityContext().getRunAsNonRoot()).isTrue();
    });
    Lease lease = tether.client().leases().inNamespace(tether.namespace).withName("tether-operator").get();
    assertThat(lease).isNotNull();
    assertThat(operators).extracting(p -> p.getMetadata().getName()).contains(lease.getSpec().getHolderIdentity());
  }

  /** The chart's own {@code helm test}: a restricted pod on a real node asks the operator's Service for /readyz. */
  @Test
  void helmTestFindsTheOperatorAnswering() {
    var result = tether.release.chart().helm().withKubeconfig(tether.cluster.controlPlane().kubeconfigFile())
        .run("test", ChartOnRealCluster.RELEASE, "--namespace", tether.namespace, "--timeout", "3m");
    assertThat(result.exitCode()).as("helm test: %s%n%s", result.stdout(), result.stderr()).isZero();
    assertThat(result.stdout()).contains("Phase:").contains("Succeeded");
  }

  @Test
  void theQuickstartEtcdRunsFromTheProjectsImageOnARealVolume() {
    List<Pod> etcd = tether.client().pods().inNamespace(tether.namespace)
        .withLabel("app.kubernetes.io/component", "etcd").list().getItems();
    assertThat(etcd).singleElement().satisfies(pod -> {
      assertThat(ChartOnRealCluster.isReady(pod)).isTrue();
      assertThat(pod.getSpec().getContainers().get(0).getImage()).startsWith("tether.local/etcd:");
    });
    assertThat(tether.client().services().inNamespace(tether.namespace).list().getItems())
        .anySatisfy(s -> assertThat(s.getSpec().getClusterIP()).isEqualTo(ChartOnRealCluster.ETCD_SERVICE_IP));
  }

  /**
   * The quick-start etcd speaks TLS with the chart's generated certificate (verified here by its CA, for the
   * Service IP), and the operator turned authentication on: a client without credentials is refused, one in
   * plaintext does not get through at all.
   */
  @Test
  void theQuickstartEtcdRefusesAnonymousAndPlaintextClients() {
    try (ContextStore anonymous = ContextStore.connect(StepAgentSessions.quickstartEtcd(tether.release))) {
      assertThatThrownBy(() -> anonymous.epoch(SessionKey.of("default", "anyone")))
          .isInstanceOf(StoreAccessDeniedException.class);
    }
    try (ContextStore plaintext = ContextStore.connect(StoreConfig.of(
        ChartOnRealCluster.ETCD_ENDPOINT.replace("https://", "http://")).withOperationTimeout(Duration.ofSeconds(3)))) {
      assertThatThrownBy(() -> plaintext.epoch(SessionKey.of("default", "anyone")))
          .isInstanceOf(StoreUnavailableException.class);
    }
  }
}
