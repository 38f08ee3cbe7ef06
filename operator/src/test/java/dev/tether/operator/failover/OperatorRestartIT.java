package dev.tether.operator.failover;

import static dev.tether.operator.failover.Failover.hasCondition;
import static dev.tether.operator.failover.Failover.inStep;
import static dev.tether.operator.failover.Failover.onlyMigration;
import static dev.tether.operator.failover.Failover.podNames;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.FailoverSpec.FencingPolicy;
import dev.tether.api.v1alpha1.Migration;
import dev.tether.api.v1alpha1.MigrationStep;
import dev.tether.api.v1alpha1.SessionPhase;
import dev.tether.operator.OperatorTestBed;
import dev.tether.operator.status.Conditions;
import dev.tether.operator.support.Times;
import dev.tether.testbed.sim.SimulatedNode;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The operator or the apiserver goes away in the middle of things; nothing is lost or doubled. */
class OperatorRestartIT extends FailoverTestBase {


  @Test
  void afterAnApiServerRestartTheOperatorStillReactsAndNothingIsLostOrDoubled() {
    bed.addNode(pool, "a");
    bed.addNode(pool, "b");
    List<String> names = List.of("one", "two", "three");
    names.forEach(n -> bed.create(Failover.rwx(bed, ns, n, pool)));
    names.forEach(n -> bed.awaitRunning(ns, n, 1));

    bed.controlPlane().restartApiServer();

    bed.client().pods().inNamespace(ns).withName("one-1").delete();
    AgentSession one = bed.awaitRunning(ns, "one", 2);
    assertThat(onlyMigration(one).getReason()).isEqualTo("PodDeleted");
    assertThat(podNames(bed, ns, "one")).containsExactly("one-2");
    for (String n : List.of("two", "three")) {
      AgentSession s = bed.get(ns, n);
      assertThat(s.getStatus().getEpoch()).as(n).isEqualTo(1);
      assertThat(s.getStatus().getPhase()).isEqualTo(SessionPhase.Running);
      assertThat(s.getStatus().getMigrations()).isNullOrEmpty();
      assertThat(podNames(bed, ns, n)).containsExactly(n + "-1");
    }
  }

  /**
   * One session in each step of the state machine, and one in the window between "epoch written" and "pod
   * created", which takes the next epoch. The operator stops, the world changes, a new operator finishes every migration.
   */
  @Test
  void aNewOperatorFinishesMigrationsInEveryStep() {
    // Fencing: Manual policy on a crashed node.
    String fencingPool = bed.newPool();
    SimulatedNode fencingNode = bed.addNode(fencingPool, "a");
    AgentSession fencing = Failover.rwx(bed, ns, "fencing", fencingPool);
    fencing.getSpec().getFailover().setFencing(FencingPolicy.Manual);
    bed.create(fencing);
    // WaitingForVolume: ReadWriteOnce volume attached to a crashed node.
    String volumePool = bed.newPool();
    SimulatedNode volumeNode = bed.addNode(volumePool, "a");
    AgentSession volume = Failover.rwo(bed, ns, "volume", volumePool, FencingPolicy.ForceDelete);
    volume.getSpec().getFailover().setVolumeDetachTimeout("5m");
    bed.create(volume);
    // Rescheduling: the second migration waits for its backoff.
    String backoffPool = bed.newPool();
    bed.addNode(backoffPool, "a");
    AgentSession backoff = Failover.rwx(bed, ns, "backoff", backoffPool);
    backoff.getSpec().getFailover().setInitialBackoff("15s");
    bed.create(backoff);
    // Restoring: the new pod finds no node.
    String restoringPool = bed.newPool();
    SimulatedNode restoringNode = bed.addNode(restoringPool, "a");
    bed.create(Failover.rwx(bed, ns, "restoring", restoringPool));
    // The crash window: status says epoch 2, pod 2 was never created.
    String windowPool = bed.newPool();
    SimulatedNode windowNode = bed.addNode(windowPool, "a");
    bed.create(Failover.rwx(bed, ns, "window", windowPool));
    for (String n : List.of("fencing", "volume", "backoff", "restoring", "window")) {
      bed.awaitRunning(ns, n, 1);
    }
    SimulatedNode fencingTarget = bed.addNode(fencingPool, "b");
    SimulatedNode volumeTarget = bed.addNode(volumePool, "b");

    bed.client().pods().inNamespace(ns).withName("backoff-1").delete();
    bed.awaitRunning(ns, "backoff", 2);
    bed.client().pods().inNamespace(ns).withName("backoff-2").delete();
    fencingNode.crash();
    volumeNode.crash();
    restoringNode.crash();
    bed.awaitSession(ns, "fencing", s -> inStep(s, MigrationStep.Fencing)
        && hasCondition(s, Conditions.DEGRADED, "True", "FencingBlocked"));
    bed.awaitSession(ns, "volume", s -> inStep(s, MigrationStep.WaitingForVolume));
    AgentSession backingOff = bed.awaitSession(ns, "backoff", s -> inStep(s, MigrationStep.Rescheduling));
    bed.awaitSession(ns, "restoring", s -> inStep(s, MigrationStep.Restoring)
        && hasCondition(s, Conditions.DEGRADED, "True", "Unschedulable"));
    Instant notBefore = Times.parse(backingOff.getStatus().getMigration().getNotBefore());

    bed.stopOperator();
    bed.client().pods().inNamespace(ns).withName("fencing-1").withGracePeriod(0).delete();
    Failover.taintOutOfService(bed, volumeNode.name());
    SimulatedNode restoringTarget = bed.addNode(restoringPool, "b");
    writeEpochWithoutPod(ns, "window", windowNode.name());
    bed.startOperator();

    AgentSession f = bed.awaitRunning(ns, "fencing", 2);
    assertThat(f.getStatus().getNodeName()).isEqualTo(fencingTarget.name());
    assertThat(onlyMigration(f).getReason()).isEqualTo("NodeFailed");
    assertThat(podNames(bed, ns, "fencing")).containsExactly("fencing-2");

    AgentSession v = bed.awaitRunning(ns, "volume", 2);
    assertThat(v.getStatus().getNodeName()).isEqualTo(volumeTarget.name());
    assertThat(onlyMigration(v).getToNode()).isEqualTo(volumeTarget.name());
    assertThat(podNames(bed, ns, "volume")).containsExactly("volume-2");

    AgentSession r = bed.awaitRunning(ns, "restoring", 2);
    assertThat(r.getStatus().getNodeName()).isEqualTo(restoringTarget.name());
    assertThat(podNames(bed, ns, "restoring")).containsExactly("restoring-2");

    // Nothing tells "never created" from "created and gone" (a pod of epoch 2 may run behind a partition):
    // epoch 2 is never used again.
    AgentSession w = bed.awaitRunning(ns, "window", 3);
    assertThat(onlyMigration(w).getReason()).isEqualTo("PodDeleted");
    assertThat(onlyMigration(w).getToEpoch()).isEqualTo(3);
    assertThat(podNames(bed, ns, "window")).containsExactly("window-3");

    AgentSession b = bed.awaitRunning(ns, "backoff", 3);
    assertThat(b.getStatus().getMigrations()).hasSize(2);
    assertThat(Instant.parse(Failover.pod(bed, ns, "backoff-3").getMetadata().getCreationTimestamp()).plusSeconds(1))
        .isAfterOrEqualTo(notBefore);
    assertThat(podNames(bed, ns, "backoff")).containsExactly("backoff-3");

    for (AgentSession s : List.of(f, v, r, w, b)) {
      assertThat(s.getStatus().getMigration()).isNull();
      assertThat(hasCondition(s, Conditions.READY, "True", "Running")).isTrue();
    }
  }

  /** What an operator that died right after writing the epoch (and before creating the pod) leaves behind. */
  private void writeEpochWithoutPod(String ns, String name, String node) {
    bed.client().pods().inNamespace(ns).withName(name + "-1").withGracePeriod(0).delete();
    bed.client().resources(AgentSession.class).inNamespace(ns).withName(name).editStatus(s -> {
      String now = Times.formatMillis(Instant.now());
      Migration m = new Migration();
      m.setStep(MigrationStep.Restoring);
      m.setReason("PodDeleted");
      m.setFromPod(name + "-1");
      m.setFromNode(node);
      m.setFromEpoch(1);
      m.setDetectedAt(now);
      m.setFencedAt(now);
      m.setVolumeReleasedAt(now);
      m.setRescheduledAt(now);
      m.setNotBefore(now);
      s.getStatus().setMigration(m);
      s.getStatus().setPhase(SessionPhase.Migrating);
      s.getStatus().setEpoch(2);
      s.getStatus().setPodName(name + "-2");
      s.getStatus().setNodeName(null);
      return s;
    });
  }
}
