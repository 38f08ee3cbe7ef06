package dev.tether.playground;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.SessionPhase;
import dev.tether.store.Manifest;
import dev.tether.store.SessionKey;
import dev.tether.testbed.sim.SimulatedNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** One session through a crash and a partition, with the real supervisor and agent in every pod. */
class CheckpointRoundTripIT {
  static final Duration TIMEOUT = Duration.ofSeconds(90);
  static final int STEPS = 80;

  final SessionCluster bed = PlaygroundBed.get();

  @Test
  void aCrashedSessionRestoresItsLastCheckpointAndAFencedIncarnationCannotCommit() {
    String ns = PlaygroundBed.newNamespace("roundtrip");
    String pool = PlaygroundBed.newPool();
    List.of("a", "b", "c").forEach(n -> PlaygroundBed.addNode(pool, n));
    SessionKey key = SessionKey.of(ns, "trip");
    try (StoreHistory history = new StoreHistory(bed.store(), ns)) {
      bed.client().resource(new StepAgentSession(STEPS, Duration.ofMillis(150), 3, "4s",
          Map.of(PlaygroundBed.POOL_LABEL, pool)).build(ns, "trip")).create();
      AgentSession first = PlaygroundBed.awaitSession(ns, "trip", TIMEOUT,
          s -> s.getStatus().getPhase() == SessionPhase.Running && s.getStatus().getEpoch() == 1);
      await().atMost(TIMEOUT).until(() -> history.commits(key).size() >= 3);

      SimulatedNode crashed = bed.nodes().node(first.getStatus().getNodeName());
      crashed.crash();

      AgentSession second = PlaygroundBed.awaitSession(ns, "trip", TIMEOUT, s -> s.getStatus().getPhase() == SessionPhase.Running
          && s.getStatus().getEpoch() == 2 && s.getStatus().getRestoredFrom() != null
          && s.getStatus().getRestoredFrom().getEpoch() == 2);
      // Once epoch 2 committed, the watch has delivered every commit of epoch 1 (events arrive in order).
      await().atMost(TIMEOUT).until(() -> history.commits(key).stream().anyMatch(m -> m.epoch() == 2));
      Manifest lastBeforeCrash = history.commits(key).stream().filter(m -> m.epoch() == 1)
          .reduce((a, b) -> b).orElseThrow();
      assertThat(second.getStatus().getNodeName()).isNotEqualTo(crashed.name());
      assertThat(second.getStatus().getRestoredFrom().getSequence()).isEqualTo(lastBeforeCrash.sequence());
      assertThat(second.getStatus().getRestoredFrom().getDigest()).isEqualTo(lastBeforeCrash.digest());
      assertThat(second.getStatus().getRestoredFrom().isFallback()).isFalse();
      assertThat(bed.store().restore(key, 2).orElseThrow().sequence()).isEqualTo(lastBeforeCrash.sequence());
      assertThat(bed.journal().entries(ns, "trip")).anySatisfy(e -> {
        assertThat(e.epoch()).isEqualTo(2);
        assertThat(e.kind()).isEqualTo(AgentJournal.Kind.RESTORED);
        assertThat(e.step()).isEqualTo(Integer.parseInt(lastBeforeCrash.metadata().get("step")));
      });

      crashed.heal(); // back (rebooted): with two of three nodes down the operator's mass-failure guard would hold

      // Cut off from the control plane, incarnation 2 keeps working until its next commit is refused.
      SimulatedNode partitioned = bed.nodes().node(second.getStatus().getNodeName());
      partitioned.partition();
      PlaygroundBed.awaitSession(ns, "trip", TIMEOUT,
          s -> s.getStatus().getPhase() == SessionPhase.Running && s.getStatus().getEpoch() == 3);
      await().atMost(TIMEOUT).until(() -> bed.journal().exitCode(ns, "trip", 2).isPresent());
      assertThat(bed.journal().exitCode(ns, "trip", 2)).contains(75);
      assertThat(bed.journal().entries(ns, "trip"))
          .anySatisfy(e -> assertThat(e).extracting("epoch", "kind").containsExactly(2L, AgentJournal.Kind.FENCED));

      partitioned.heal();
      AgentSession done = PlaygroundBed.awaitSession(ns, "trip", TIMEOUT, s -> s.getStatus().getPhase() == SessionPhase.Succeeded);

      assertThat(done.getStatus().getEpoch()).isEqualTo(3);
      assertThat(bed.journal().exitCode(ns, "trip", 3)).contains(0);
      List<Manifest> commits = history.commits(key);
      assertThat(commits).extracting(Manifest::sequence).doesNotHaveDuplicates().isSorted();
      assertThat(commits).extracting(Manifest::epoch).isSorted();
      FinalContext.assertComplete(FinalContext.read(bed.store(), key, bed.nodes().volumeDir(ns, "trip-checkpoints")),
          "trip", STEPS);
    }
  }
}
