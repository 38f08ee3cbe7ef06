package dev.tether.operator.failover;

import static dev.tether.operator.failover.Failover.hasCondition;
import static dev.tether.operator.failover.Failover.inStep;
import static dev.tether.operator.failover.Failover.onlyMigration;
import static dev.tether.operator.failover.Failover.podNames;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.FailoverSpec.FencingPolicy;
import dev.tether.api.v1alpha1.MigrationStep;
import dev.tether.api.v1alpha1.SessionPhase;
import dev.tether.operator.OperatorTestBed;
import dev.tether.operator.status.Conditions;
import dev.tether.testbed.sim.SimulatedNode;
import dev.tether.operator.support.Times;
import io.fabric8.kubernetes.api.model.storage.VolumeAttachmentBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The fencing policies, and ReadWriteOnce volumes that stay attached to a dead node. */
class FencingIT extends FailoverTestBase {
  SimulatedNode a;

  /** Runs after the base class made the namespace and pool. */
  @BeforeEach
  void firstNode() {
    a = bed.addNode(pool, "a");
  }

  /**
   * A taint acts on every pod of the node, so one tenant's short detection timeout must not decide it: the
   * Fencer taints only once the node is failed by the operator-wide timeout as well.
   */
  @Test
  void theOutOfServiceTaintWaitsForTheOperatorWideJudgement() {
    String node = "lonely-" + ns;
    bed.client().nodes().resource(new io.fabric8.kubernetes.api.model.NodeBuilder().withNewMetadata()
        .withName(node).endMetadata().build()).create();
    try {
      var pod = bed.client().pods().inNamespace(ns).resource(new io.fabric8.kubernetes.api.model.PodBuilder()
          .withNewMetadata().withName("tenant-pod").endMetadata()
          .withNewSpec().withNodeName(node).addNewContainer().withName("c").withImage("example.org/c:1")
          .endContainer().endSpec().build()).create();
      var failure = java.util.Optional.of(new NodeFailure(node, NodeFailure.Reason.NodeFailed, Instant.now(),
          "node " + node + " missed the session's 4 s"));
      java.util.concurrent.atomic.AtomicReference<java.util.Optional<NodeFailure>> nodeWide =
          new java.util.concurrent.atomic.AtomicReference<>(java.util.Optional.empty());
      Fencer fencer = new Fencer(bed.client(), new dev.tether.operator.pod.PodWriter(bed.client()), true,
          n -> nodeWide.get());

      FenceResult early = fencer.fence(pod, FencingPolicy.OutOfServiceTaint, failure);
      assertThat(early.fenced()).isFalse();
      assertThat(early.waitingFor()).contains("not yet by the operator-wide one");
      assertThat(Failover.hasOutOfServiceTaint(bed, node)).isFalse();
      assertThat(bed.client().pods().inNamespace(ns).withName("tenant-pod").get()).isNotNull();

      nodeWide.set(failure);
      assertThat(fencer.fence(pod, FencingPolicy.OutOfServiceTaint, failure).fenced()).isTrue();
      assertThat(Failover.hasOutOfServiceTaint(bed, node)).isTrue();
      assertThat(bed.client().pods().inNamespace(ns).withName("tenant-pod").get()).isNull();
    } finally {
      bed.client().nodes().withName(node).delete();
    }
  }

  @Test
  void manualFencingWaitsForTheAdministratorToDeleteThePod() {
    AgentSession manual = Failover.rwx(bed, ns, "careful", pool);
    manual.getSpec().getFailover().setFencing(FencingPolicy.Manual);
    bed.create(manual);
    bed.awaitRunning(ns, "careful", 1);
    SimulatedNode b = bed.addNode(pool, "b");

    a.crash();
    AgentSession blocked = bed.awaitSession(ns, "careful", s -> inStep(s, MigrationStep.Fencing)
        && hasCondition(s, Conditions.DEGRADED, "True", "FencingBlocked"));
    assertThat(blocked.getStatus().getPhase()).isEqualTo(SessionPhase.Migrating);
    assertThat(blocked.getStatus().getEpoch()).isEqualTo(1);
    assertThat(Failover.condition(blocked, Conditions.DEGRADED).get().getMessage())
        .contains("pod careful-1").contains("node " + a.name());
    assertThat(Failover.condition(blocked, Conditions.PROGRESSING).get().getReason()).isEqualTo("Fencing");
    assertThat(podNames(bed, ns, "careful")).containsExactly("careful-1");

    // The administrator checked the machine is down and removes the pod.
    bed.client().pods().inNamespace(ns).withName("careful-1").withGracePeriod(0).delete();

    AgentSession s = bed.awaitRunning(ns, "careful", 2);
    assertThat(s.getStatus().getNodeName()).isEqualTo(b.name());
    assertThat(onlyMigration(s).getReason()).isEqualTo("NodeFailed");
    assertThat(onlyMigration(s).getToNode()).isEqualTo(b.name());
    assertThat(hasCondition(s, Conditions.DEGRADED, "False", "AsExpected")).isTrue();
    assertThat(podNames(bed, ns, "careful")).containsExactly("careful-2");
  }

  @Test
  void manualFencingTakesADeletedNodeAsTheAdministratorsConfirmation() {
    SimulatedNode b = manualSessionBlockedOnACrashedNode();
    a.deleteNodeObject();

    AgentSession s = bed.awaitRunning(ns, "careful", 2);
    assertThat(s.getStatus().getNodeName()).isEqualTo(b.name());
    assertThat(onlyMigration(s).getReason()).isEqualTo("NodeFailed");
    assertThat(podNames(bed, ns, "careful")).containsExactly("careful-2");
  }

  @Test
  void manualFencingTakesAnOutOfServiceTaintAsTheAdministratorsConfirmation() {
    SimulatedNode b = manualSessionBlockedOnACrashedNode();
    // The node is still silent, so it still counts as NodeFailed; the taint is what Manual waits for. The test
    // bed has no taint manager that would remove the pod by itself.
    Failover.taintOutOfService(bed, a.name());

    AgentSession s = bed.awaitRunning(ns, "careful", 2);
    assertThat(s.getStatus().getNodeName()).isEqualTo(b.name());
    assertThat(podNames(bed, ns, "careful")).containsExactly("careful-2");
  }

  /** Session "careful" with Manual fencing, blocked in Fencing after node a crashed; returns the node it can go to. */
  private SimulatedNode manualSessionBlockedOnACrashedNode() {
    AgentSession manual = Failover.rwx(bed, ns, "careful", pool);
    manual.getSpec().getFailover().setFencing(FencingPolicy.Manual);
    bed.create(manual);
    bed.awaitRunning(ns, "careful", 1);
    SimulatedNode b = bed.addNode(pool, "b");

    a.crash();
    bed.awaitSession(ns, "careful", s -> hasCondition(s, Conditions.DEGRADED, "True", "FencingBlocked"));
    return b;
  }

  @Test
  void outOfServiceTaintFreesTheReadWriteOnceVolumeAtOnce() {
    bed.create(Failover.rwo(bed, ns, "tainted", pool, FencingPolicy.OutOfServiceTaint));
    bed.awaitRunning(ns, "tainted", 1);
    SimulatedNode b = bed.addNode(pool, "b");
    assertThat(Failover.attachmentsOf(bed, ns, "tainted", a.name())).isEqualTo(1);

    Instant crashed = Instant.now();
    a.crash();
    Failover.report("crash-1-rwo-taint", List.copyOf(
        Failover.awaitRecovered(bed, ns, List.of("tainted"), 2, crashed, OperatorTestBed.TIMEOUT).values()));

    AgentSession s = bed.get(ns, "tainted");
    assertThat(Failover.hasOutOfServiceTaint(bed, a.name())).isTrue();
    assertThat(Failover.attachmentsOf(bed, ns, "tainted", a.name())).isZero();
    assertThat(Failover.attachmentsOf(bed, ns, "tainted", b.name())).isEqualTo(1);
    assertThat(onlyMigration(s).getReason()).isEqualTo("NodeFailed");
    assertThat(onlyMigration(s).getToNode()).isEqualTo(b.name());
    assertThat(podNames(bed, ns, "tainted")).containsExactly("tainted-2");
    assertThat(bed.runtimes().overlapped(ns, "tainted")).isFalse();
  }

  @Test
  void aReadWriteOnceVolumeStuckOnADeadNodeIsReportedUntilItDetaches() {
    AgentSession stuck = Failover.rwo(bed, ns, "stuck", pool, FencingPolicy.ForceDelete);
    stuck.getSpec().getFailover().setVolumeDetachTimeout("3s");
    bed.create(stuck);
    bed.awaitRunning(ns, "stuck", 1);
    SimulatedNode b = bed.addNode(pool, "b");

    a.crash();
    AgentSession waiting = bed.awaitSession(ns, "stuck", s -> inStep(s, MigrationStep.WaitingForVolume)
        && hasCondition(s, Conditions.DEGRADED, "True", "VolumeStuck"));
    assertThat(Failover.condition(waiting, Conditions.DEGRADED).get().getMessage())
        .contains("still attached to " + a.name()).contains("timeout 3s");
    assertThat(waiting.getStatus().getEpoch()).isEqualTo(1);
    assertThat(waiting.getStatus().getMigration().getFencedAt()).isNotNull();
    // Fenced (pod force-deleted), but the operator may not delete VolumeAttachments: no new pod yet.
    assertThat(podNames(bed, ns, "stuck")).isEmpty();
    assertThat(Failover.attachmentsOf(bed, ns, "stuck", a.name())).isEqualTo(1);

    // The administrator confirms the node is down; Kubernetes detaches the volume.
    Failover.taintOutOfService(bed, a.name());

    AgentSession s = bed.awaitRunning(ns, "stuck", 2);
    assertThat(s.getStatus().getNodeName()).isEqualTo(b.name());
    assertThat(onlyMigration(s).getReason()).isEqualTo("NodeFailed");
    assertThat(hasCondition(s, Conditions.DEGRADED, "False", "AsExpected")).isTrue();
    assertThat(podNames(bed, ns, "stuck")).containsExactly("stuck-2");
  }

  /**
   * The volume gate looks at every node, not only the lost one: an attachment an older incarnation left on
   * another dead node would make the new pod wait on Multi-Attach with nothing in status saying why.
   */
  @Test
  void aVolumeStillAttachedToAnotherDeadNodeIsReportedUntilItDetaches() {
    AgentSession held = Failover.rwo(bed, ns, "held", pool, FencingPolicy.ForceDelete);
    held.getSpec().getFailover().setVolumeDetachTimeout("3s");
    bed.create(held);
    bed.awaitRunning(ns, "held", 1);
    String pv = bed.client().persistentVolumeClaims().inNamespace(ns).withName("held-checkpoints").get()
        .getSpec().getVolumeName();
    SimulatedNode c = bed.addNode(pool, "c");
    c.crash();
    // What a dead node that still mounts the volume looks like: its last report lists it, and it is attached.
    bed.client().nodes().withName(c.name()).editStatus(n -> {
      n.getStatus().setVolumesInUse(List.of("kubernetes.io/csi/simulated.tether.dev^" + pv));
      return n;
    });
    bed.client().storage().v1().volumeAttachments().resource(new VolumeAttachmentBuilder()
        .withNewMetadata().withName("stale-" + ns).endMetadata()
        .withNewSpec().withAttacher("simulated.tether.dev").withNodeName(c.name())
        .withNewSource().withPersistentVolumeName(pv).endSource().endSpec().build()).create();

    bed.client().pods().inNamespace(ns).withName("held-1").delete();
    AgentSession waiting = bed.awaitSession(ns, "held", s -> inStep(s, MigrationStep.WaitingForVolume)
        && hasCondition(s, Conditions.DEGRADED, "True", "VolumeStuck"));
    assertThat(Failover.condition(waiting, Conditions.DEGRADED).get().getMessage())
        .contains("still attached to " + c.name()).doesNotContain(a.name());
    assertThat(podNames(bed, ns, "held")).isEmpty();

    Failover.taintOutOfService(bed, c.name());
    AgentSession s = bed.awaitRunning(ns, "held", 2);
    assertThat(onlyMigration(s).getReason()).isEqualTo("PodDeleted");
    assertThat(podNames(bed, ns, "held")).containsExactly("held-2");
    assertThat(Failover.attachmentsOf(bed, ns, "held", c.name())).isZero();
  }

  @Test
  void anOperatorAllowedToDeleteAttachmentsFreesTheVolumeAfterTheDetachTimeout() {
    bed.restartOperator(OperatorTestBed.defaultSettings().withFencingPermissions(true, true));
    try {
      AgentSession stuck = Failover.rwo(bed, ns, "freed", pool, FencingPolicy.ForceDelete);
      stuck.getSpec().getFailover().setVolumeDetachTimeout("3s");
      bed.create(stuck);
      bed.awaitRunning(ns, "freed", 1);
      SimulatedNode b = bed.addNode(pool, "b");

      Instant crashed = Instant.now();
      a.crash();
      Failover.report("crash-1-rwo-detach-timeout-3s", List.copyOf(
          Failover.awaitRecovered(bed, ns, List.of("freed"), 2, crashed, OperatorTestBed.TIMEOUT).values()));

      AgentSession s = bed.get(ns, "freed");
      var m = onlyMigration(s);
      assertThat(m.getReason()).isEqualTo("NodeFailed");
      assertThat(m.getToNode()).isEqualTo(b.name());
      // Not before the detach timeout, counted from fencing.
      assertThat(Duration.between(Times.parse(m.getFencedAt()), Times.parse(m.getRunningAt())))
          .isGreaterThanOrEqualTo(Duration.ofSeconds(3));
      assertThat(Failover.hasOutOfServiceTaint(bed, a.name())).isFalse();
      assertThat(Failover.attachmentsOf(bed, ns, "freed", a.name())).isZero();
      assertThat(podNames(bed, ns, "freed")).containsExactly("freed-2");
      Failover.awaitWarning(bed, ns, "freed", "VolumeForceDetached");
    } finally {
      bed.restartOperator(OperatorTestBed.defaultSettings());
    }
  }
}
