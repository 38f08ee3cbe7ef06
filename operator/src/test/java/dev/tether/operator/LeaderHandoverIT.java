package dev.tether.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.MigrationRecord;
import dev.tether.api.v1alpha1.MigrationStep;
import dev.tether.api.v1alpha1.SessionPhase;
import dev.tether.operator.checkpoint.CheckpointWiring;
import dev.tether.store.ContextStore;
import dev.tether.store.SessionKey;
import dev.tether.store.StoreConfig;
import dev.tether.testbed.ControlPlane;
import dev.tether.testbed.EtcdServer;
import dev.tether.testbed.Namespaces;
import dev.tether.testbed.sim.SimulatedCluster;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A leader handover in the middle of a migration, with the checkpoint store on: the standby takes over a planned
 * move that the old leader left waiting for its final checkpoint, resumes it from status, and the epoch in etcd
 * and in status stay one. Runs on its own control plane, apart from the shared test bed's operator.
 */
class LeaderHandoverIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(120);

  @Test
  void theNewLeaderFinishesTheMoveTheOldLeaderBegan() throws Exception {
    try (ControlPlane cp = ControlPlane.start();
        EtcdServer etcd = EtcdServer.start();
        ContextStore store = ContextStore.connect(StoreConfig.of(etcd.endpoint()));
        SimulatedCluster cluster = SimulatedCluster.start(cp.client(), Files.createTempDirectory("tether-handover-"),
            SimulatedCluster.Options.defaults().withHeartbeatInterval(Duration.ofSeconds(1)))) {
      cp.installCrd();
      KubernetesClient client = cp.client();
      String lockNamespace = Namespaces.create(client, "tether-system");
      String ns = Namespaces.create(client, "handover");
      cluster.addNode("ho-a", Map.of());
      cluster.addNode("ho-b", Map.of());
      CheckpointWiring wiringA = wiring(etcd);
      CheckpointWiring wiringB = wiring(etcd);
      TetherOperator a = TetherOperator.builder(cp.newClient()).checkpoints(wiringA)
          .settings(OperatorSettings.defaults().withLeaderElection(lockNamespace, "replica-a")).start();
      await().atMost(TIMEOUT).until(() -> leaseHolder(client, lockNamespace), "replica-a"::equals);
      TetherOperator b = TetherOperator.builder(cp.newClient()).checkpoints(wiringB)
          .settings(OperatorSettings.defaults().withLeaderElection(lockNamespace, "replica-b")).start();
      try {
        AgentSession session = Sessions.agent(ns, "handover");
        // Nothing in the simulated pod answers the final-checkpoint request: the move waits its full timeout.
        session.getSpec().getFailover().setDrainCheckpointTimeout("20s");
        client.resource(session).create();
        AgentSession running = await().atMost(TIMEOUT).until(() -> get(client, ns),
            s -> s != null && s.getStatus() != null && s.getStatus().getPhase() == SessionPhase.Running);
        String drained = running.getStatus().getNodeName();
        SessionKey key = SessionKey.of(ns, "handover");
        assertThat(store.epoch(key)).isEqualTo(1);

        cluster.node(drained).cordon();
        await("the old leader asked for the final checkpoint").atMost(TIMEOUT).until(() -> get(client, ns),
            s -> s.getStatus().getMigration() != null && s.getStatus().getMigration().getStep() == MigrationStep.Fencing
                && s.getStatus().getMigration().getCheckpointRequestId() != null);
        assertThat(store.checkpointRequest(key)).get().satisfies(r -> assertThat(r.epoch()).isEqualTo(1));

        a.close();
        wiringA.close();
        await().atMost(Duration.ofSeconds(90)).until(() -> leaseHolder(client, lockNamespace), "replica-b"::equals);
        AgentSession moved = await("the new leader finishes the move").atMost(TIMEOUT).until(() -> get(client, ns),
            s -> s.getStatus().getPhase() == SessionPhase.Running && s.getStatus().getEpoch() == 2);

        assertThat(moved.getStatus().getNodeName()).isNotEqualTo(drained);
        assertThat(store.epoch(key)).as("etcd and status agree").isEqualTo(2);
        assertThat(client.pods().inNamespace(ns).list().getItems()).extracting(p -> p.getMetadata().getName())
            .containsExactly("handover-2");
        MigrationRecord move = moved.getStatus().getMigrations().get(0);
        assertThat(moved.getStatus().getMigrations()).hasSize(1);
        assertThat(move.getReason()).isEqualTo("Drain");
        assertThat(move.getFromEpoch()).isEqualTo(1);
        assertThat(move.getToEpoch()).isEqualTo(2);
        assertThat(move.getFinalCheckpoint())
            .as("the request the old leader made is the one the new leader waited for")
            .startsWith("no final checkpoint within 20s");
        assertThat(store.checkpointRequest(key)).isEmpty();
      } finally {
        b.close();
        wiringB.close();
      }
    }
  }

  private static CheckpointWiring wiring(EtcdServer etcd) {
    return CheckpointWiring.withoutSidecar(ContextStore.connect(StoreConfig.of(etcd.endpoint())), Duration.ofMillis(200));
  }

  private static AgentSession get(KubernetesClient client, String ns) {
    return client.resources(AgentSession.class).inNamespace(ns).withName("handover").get();
  }

  private static String leaseHolder(KubernetesClient client, String namespace) {
    var lease = client.leases().inNamespace(namespace).withName("tether-operator").get();
    return lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
  }
}
