package dev.tether.operator.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tether.store.ContextStore;
import dev.tether.store.Manifest;
import dev.tether.store.SessionKey;
import dev.tether.store.StoreConfig;
import dev.tether.testbed.EtcdServer;
import dev.tether.testbed.TcpProxy;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The operator's follower of the checkpoint store, on a real etcd, when its watch is cut and etcd compacts what
 * happened meanwhile: it reads the store again instead of keeping what it knew.
 */
class CheckpointFollowerIT {
  private static final String DIGEST = "sha256:" + "0".repeat(64);

  @Test
  void aCheckpointAndAnEpochCompactedAwayWhileTheWatchWasCutAreReadAgain() throws Exception {
    SessionKey session = SessionKey.of("team-f", "followed");
    try (EtcdServer etcd = EtcdServer.start();
         TcpProxy proxy = TcpProxy.start();
         ContextStore supervisor = ContextStore.connect(StoreConfig.of(etcd.endpoint()));
         ContextStore followed = ContextStore.connect(StoreConfig.of("http://127.0.0.1:" + proxy.port()))) {
      proxy.target(etcd.clientPort());
      supervisor.advanceEpoch(session, 1);
      supervisor.commit(session, 1, manifest(1, 1));
      CheckpointFollower follower = new CheckpointFollower(followed, Duration.ofSeconds(1));
      follower.start();
      try {
        assertThat(follower.latest(session)).map(Manifest::sequence).contains(1L);

        proxy.target(0);
        proxy.disconnectAll();
        supervisor.advanceEpoch(session, 2);
        supervisor.commit(session, 2, manifest(2, 2));
        etcd.compactHistory();
        proxy.target(etcd.clientPort());

        await().atMost(Duration.ofMinutes(1)).untilAsserted(() -> {
          assertThat(follower.latest(session)).map(Manifest::sequence).contains(2L);
          assertThat(follower.epoch(session)).isEqualTo(2);
        });
      } finally {
        follower.stop();
      }
    }
  }

  private static Manifest manifest(long sequence, long epoch) {
    return new Manifest(sequence, epoch, DIGEST, 7, Instant.now(), Map.of());
  }
}
