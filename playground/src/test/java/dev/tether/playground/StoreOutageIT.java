package dev.tether.playground;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.SessionPhase;
import dev.tether.store.SessionKey;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The checkpoint etcd goes down: running sessions keep running, a session that must start a new
 * incarnation waits (no epoch can be raised) and says why, and once etcd is back it restores the last
 * acknowledged checkpoint.
 */
class StoreOutageIT {
  static final Duration TIMEOUT = Duration.ofSeconds(90);
  static final int STEPS = 150;

  final SessionCluster bed = PlaygroundBed.get();

  @Test
  void whileTheStoreIsDownRunningSessionsRunAndANewIncarnationWaitsUntilItIsBack() {
    String ns = PlaygroundBed.newNamespace("outage");
    String pool = PlaygroundBed.newPool();
    List.of("a", "b").forEach(n -> PlaygroundBed.addNode(pool, n));
    for (String name : List.of("steady", "moved")) {
      bed.client().resource(new StepAgentSession(STEPS, Duration.ofMillis(150), 3, "4s",
          Map.of(PlaygroundBed.POOL_LABEL, pool)).build(ns, name)).create();
    }
    for (String name : List.of("steady", "moved")) {
      PlaygroundBed.awaitSession(ns, name, TIMEOUT, s -> s.getStatus().getPhase() == SessionPhase.Running
          && s.getStatus().getLastCheckpoint() != null);
    }

    bed.etcd().stop();
    try {
      bed.client().pods().inNamespace(ns).withName("moved-1").delete();
      AgentSession waiting = PlaygroundBed.awaitSession(ns, "moved", TIMEOUT, s -> s.getStatus().getConditions()
          .stream().anyMatch(c -> "Degraded".equals(c.getType()) && "True".equals(c.getStatus())
              && "CheckpointStoreUnavailable".equals(c.getReason())));
      assertThat(waiting.getStatus().getPhase()).isEqualTo(SessionPhase.Migrating);
      assertThat(waiting.getStatus().getEpoch()).as("no epoch without the store").isEqualTo(1);
      AgentSession steady = PlaygroundBed.get(ns, "steady");
      assertThat(steady.getStatus().getPhase()).isEqualTo(SessionPhase.Running);
      assertThat(steady.getStatus().getEpoch()).isEqualTo(1);
      assertThat(bed.client().pods().inNamespace(ns).withName("steady-1").get().getMetadata().getDeletionTimestamp())
          .isNull();
    } finally {
      bed.etcd().startProcess();
    }

    AgentSession moved = PlaygroundBed.awaitSession(ns, "moved", TIMEOUT, s -> s.getStatus().getPhase()
        == SessionPhase.Running && s.getStatus().getEpoch() == 2 && s.getStatus().getRestoredFrom() != null
        && s.getStatus().getRestoredFrom().getEpoch() == 2);
    long lastAcknowledged = bed.store().manifests(SessionKey.of(ns, "moved")).stream()
        .filter(m -> m.epoch() == 1).mapToLong(m -> m.sequence()).max().orElseThrow();
    assertThat(moved.getStatus().getRestoredFrom().getSequence()).isEqualTo(lastAcknowledged);
    assertThat(moved.getStatus().getRestoredFrom().isFallback()).isFalse();
    await().atMost(TIMEOUT).until(() -> PlaygroundBed.get(ns, "moved").getStatus().getConditions().stream()
        .noneMatch(c -> "CheckpointStoreUnavailable".equals(c.getReason())));
  }
}
