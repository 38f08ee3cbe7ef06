package dev.tether.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.SessionPhase;
import dev.tether.testbed.ControlPlane;
import dev.tether.testbed.Namespaces;
import dev.tether.testbed.sim.SimulatedCluster;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Two replicas with leader election: only the leader reconciles; when it stops, the other takes over.
 * Runs on its own control plane, apart from the shared test bed's operator.
 */
class LeaderElectionIT {

  @Test
  void onlyTheLeaderActsAndTheStandbyTakesOver() throws Exception {
    try (ControlPlane cp = ControlPlane.start();
        SimulatedCluster cluster = SimulatedCluster.start(cp.client(), Files.createTempDirectory("tether-le-"),
            SimulatedCluster.Options.defaults().withHeartbeatInterval(Duration.ofSeconds(1)))) {
      cp.installCrd();
      KubernetesClient client = cp.client();
      String lockNamespace = Namespaces.create(client, "tether-system");
      String ns = Namespaces.create(client, "t");
      cluster.addNode("le-a", Map.of());
      ReconcileCounter first = new ReconcileCounter();
      ReconcileCounter second = new ReconcileCounter();
      TetherOperator a = TetherOperator.builder(cp.newClient()).metrics(first)
          .settings(OperatorSettings.defaults().withLeaderElection(lockNamespace, "replica-a")).start();
      await().atMost(Duration.ofSeconds(60)).until(() -> leaseHolder(client, lockNamespace), "replica-a"::equals);
      TetherOperator b = TetherOperator.builder(cp.newClient()).metrics(second)
          .settings(OperatorSettings.defaults().withLeaderElection(lockNamespace, "replica-b")).start();
      try {
        client.resource(Sessions.agent(ns, "led")).create();
        await().atMost(Duration.ofSeconds(60)).until(() -> phase(client, ns, "led") == SessionPhase.Running);
        assertThat(first.count(ns, "led")).isPositive();
        assertThat(second.count(ns, "led")).as("the standby does not reconcile").isZero();

        a.close();
        await().atMost(Duration.ofSeconds(90)).until(() -> leaseHolder(client, lockNamespace), "replica-b"::equals);
        client.pods().inNamespace(ns).withName("led-1").delete();
        await().atMost(Duration.ofSeconds(60)).until(() -> epoch(client, ns, "led") == 2
            && phase(client, ns, "led") == SessionPhase.Running);
        assertThat(second.count(ns, "led")).isPositive();
      } finally {
        b.close();
      }
    }
  }

  private static String leaseHolder(KubernetesClient client, String namespace) {
    var lease = client.leases().inNamespace(namespace).withName("tether-operator").get();
    return lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
  }

  private static SessionPhase phase(KubernetesClient client, String ns, String name) {
    AgentSession s = client.resources(AgentSession.class).inNamespace(ns).withName(name).get();
    return s == null || s.getStatus() == null ? null : s.getStatus().getPhase();
  }

  private static long epoch(KubernetesClient client, String ns, String name) {
    AgentSession s = client.resources(AgentSession.class).inNamespace(ns).withName(name).get();
    return s == null || s.getStatus() == null ? 0 : s.getStatus().getEpoch();
  }
}
