package dev.tether.operator.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.AgentSessionSpec;
import dev.tether.api.v1alpha1.AgentSessionStatus;
import dev.tether.api.v1alpha1.Migration;
import dev.tether.operator.checkpoint.CheckpointFollower;
import dev.tether.operator.status.StatusWriter;
import dev.tether.store.ContextStore;
import dev.tether.store.Manifest;
import dev.tether.store.SessionKey;
import dev.tether.store.StoreConfig;
import dev.tether.testbed.EtcdServer;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A planned move waits for the checkpoint that answers its request, against a real etcd. */
class FinalCheckpointIT {
  private static final String DIGEST = "sha256:" + "ab".repeat(32);
  private static EtcdServer etcd;
  private static ContextStore store;

  @BeforeAll
  static void startEtcd() {
    etcd = EtcdServer.start();
    store = ContextStore.connect(StoreConfig.of(etcd.endpoint()));
  }

  @AfterAll
  static void stopEtcd() {
    store.close();
    etcd.close();
  }

  private static Reconciliation pass(AgentSession session) {
    return new Reconciliation(session, List.of(), null, new StatusWriter(new KubernetesSerialization()),
        Instant.now());
  }

  @Test
  void theAnswerCountsWhenTheAgentHasCheckpointedAgainSince() {
    AgentSession session = new AgentSession();
    session.getMetadata().setNamespace("team-a");
    session.getMetadata().setName("mover");
    session.setSpec(new AgentSessionSpec());
    session.setStatus(new AgentSessionStatus());
    SessionKey key = SessionKey.of("team-a", "mover");
    store.advanceEpoch(key, 3);
    CheckpointFollower follower = new CheckpointFollower(store, Duration.ofMillis(100));
    follower.start();
    try {
      FinalCheckpoint finalCheckpoint = new FinalCheckpoint(store, follower);
      Migration move = new Migration();
      move.setFromEpoch(3);
      assertThat(finalCheckpoint.await(pass(session), move)).as("asked, now waiting").isPresent();
      String request = store.checkpointRequest(key).orElseThrow().requestId();

      store.commit(key, 3, new Manifest(1, 3, DIGEST, 10, Instant.now(), Map.of(), request));
      store.commit(key, 3, new Manifest(2, 3, DIGEST, 10, Instant.now(), Map.of(), null));
      await().atMost(Duration.ofSeconds(10)).until(() -> follower.latest(key).map(Manifest::sequence).orElse(0L) == 2);

      assertThat(finalCheckpoint.await(pass(session), move)).as("the move goes on").isEmpty();
      assertThat(move.getFinalCheckpoint()).isEqualTo("final checkpoint 1 committed for the move");
      assertThat(store.checkpointRequest(key)).isEmpty();
    } finally {
      follower.stop();
    }
  }
}
