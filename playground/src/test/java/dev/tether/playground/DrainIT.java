package dev.tether.playground;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.MigrationRecord;
import dev.tether.api.v1alpha1.SessionPhase;
import dev.tether.store.SessionKey;
import dev.tether.testbed.sim.SimulatedNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** kubectl drain cordons the node: the session moves with a final checkpoint and loses no step. */
class DrainIT {
  static final Duration TIMEOUT = Duration.ofSeconds(90);
  static final int STEPS = 80;

  final SessionCluster bed = PlaygroundBed.get();

  @Test
  void aCordonedNodeMovesTheSessionWithAFinalCheckpointAndNoStepIsLost() {
    // Checkpoints every 50 steps: without the final checkpoint the move would lose steps.
    drain(50, SimulatedNode::cordon, SimulatedNode::uncordon);
  }

  @Test
  void theAnswerCountsEvenWhenTheAgentCheckpointsAgainBeforeTheOperatorLooks() {
    // A checkpoint at every step: the one answering the request is soon not the newest any more.
    drain(1, SimulatedNode::cordon, SimulatedNode::uncordon);
  }

  /** The cluster autoscaler taints a node before it removes it, without cordoning it: the same planned move. */
  @Test
  void theClusterAutoscalersTaintMovesTheSessionLikeADrain() {
    String key = "ToBeDeletedByClusterAutoscaler";
    drain(50, node -> taint(node, key, "1764700000", true), node -> taint(node, key, null, false));
  }

  /** Karpenter taints a node it is about to remove (karpenter.sh/disrupted since v1) without cordoning it. */
  @Test
  void karpentersDisruptionTaintMovesTheSessionLikeADrain() {
    String key = "karpenter.sh/disrupted";
    drain(50, node -> taint(node, key, null, true), node -> taint(node, key, null, false));
  }

  private void taint(SimulatedNode node, String key, String value, boolean on) {
    bed.client().nodes().withName(node.name()).edit(n -> {
      List<io.fabric8.kubernetes.api.model.Taint> taints = new java.util.ArrayList<>(
          n.getSpec().getTaints() == null ? List.of() : n.getSpec().getTaints());
      taints.removeIf(t -> key.equals(t.getKey()));
      if (on) {
        taints.add(new io.fabric8.kubernetes.api.model.TaintBuilder().withKey(key)
            .withValue(value).withEffect("NoSchedule").build());
      }
      n.getSpec().setTaints(taints);
      return n;
    });
  }

  private void drain(int checkpointEvery, java.util.function.Consumer<SimulatedNode> mark,
      java.util.function.Consumer<SimulatedNode> unmark) {
    String ns = PlaygroundBed.newNamespace("drain");
    String pool = PlaygroundBed.newPool();
    List.of("a", "b").forEach(n -> PlaygroundBed.addNode(pool, n));
    SessionKey key = SessionKey.of(ns, "mover");
    bed.client().resource(new StepAgentSession(STEPS, Duration.ofMillis(150), checkpointEvery, "4s",
        Map.of(PlaygroundBed.POOL_LABEL, pool)).build(ns, "mover")).create();
    AgentSession first = PlaygroundBed.awaitSession(ns, "mover", TIMEOUT,
        s -> s.getStatus().getPhase() == SessionPhase.Running && s.getStatus().getEpoch() == 1);
    await().atMost(TIMEOUT).until(() -> bed.journal().entries(ns, "mover").stream()
        .filter(e -> e.kind() == AgentJournal.Kind.STEP).count() >= 5);

    SimulatedNode drained = bed.nodes().node(first.getStatus().getNodeName());
    mark.accept(drained);

    AgentSession moved = PlaygroundBed.awaitSession(ns, "mover", TIMEOUT, s -> s.getStatus().getEpoch() == 2
        && s.getStatus().getPhase() == SessionPhase.Running && s.getStatus().getRestoredFrom() != null
        && s.getStatus().getRestoredFrom().getEpoch() == 2);
    MigrationRecord record = moved.getStatus().getMigrations().get(moved.getStatus().getMigrations().size() - 1);
    assertThat(record.getReason()).isEqualTo("Drain");
    assertThat(record.getFromNode()).isEqualTo(drained.name());
    assertThat(record.getToNode()).isNotEqualTo(drained.name());
    assertThat(record.getFinalCheckpoint()).contains("committed for the move");
    assertThat(moved.getStatus().getRestoredFrom().isFallback()).isFalse();

    int lastStepOfFirst = bed.journal().entries(ns, "mover").stream()
        .filter(e -> e.epoch() == 1 && e.kind() == AgentJournal.Kind.STEP)
        .mapToInt(AgentJournal.Entry::step).max().orElseThrow();
    // Status shows the supervisor's restore record; the agent logs its restore a moment later.
    await().atMost(TIMEOUT).untilAsserted(() -> assertThat(bed.journal().entries(ns, "mover")).anySatisfy(e -> {
      assertThat(e.epoch()).isEqualTo(2);
      assertThat(e.kind()).isEqualTo(AgentJournal.Kind.RESTORED);
      assertThat(e.step()).as("the new incarnation continues exactly where the old one stopped")
          .isEqualTo(lastStepOfFirst);
    }));

    AgentSession done = PlaygroundBed.awaitSession(ns, "mover", TIMEOUT,
        s -> s.getStatus().getPhase() == SessionPhase.Succeeded);
    assertThat(done.getStatus().getMigrationCount()).isEqualTo(1);
    FinalContext.assertComplete(FinalContext.read(bed.store(), key, bed.nodes().volumeDir(ns, "mover-checkpoints")),
        "mover", STEPS);
    unmark.accept(drained);
  }
}
