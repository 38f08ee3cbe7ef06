package dev.tether.operator.failover;

import static dev.tether.operator.failover.Failover.hasCondition;
import static dev.tether.operator.failover.Failover.onlyMigration;
import static dev.tether.operator.failover.Failover.podNames;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.FailoverSpec.FencingPolicy;
import dev.tether.api.v1alpha1.MigrationRecord;
import dev.tether.api.v1alpha1.SessionPhase;
import dev.tether.operator.OperatorTestBed;
import dev.tether.operator.status.Conditions;
import dev.tether.testbed.sim.SimulatedNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** A node fails (crash, deletion, partition): its sessions move to another node of their pool. */
class FailoverIT extends FailoverTestBase {



  @Test
  void aCrashedNodesSessionMovesToAnotherNodeWithTheNextEpoch() {
    SimulatedNode a = bed.addNode(pool, "a");
    bed.create(Failover.rwx(bed, ns, "solo", pool));
    bed.awaitRunning(ns, "solo", 1);
    SimulatedNode b = bed.addNode(pool, "b");

    Instant crashed = Instant.now();
    a.crash();
    Duration recovery = Failover.awaitRecovered(bed, ns, List.of("solo"), 2, crashed, OperatorTestBed.TIMEOUT).get("solo");
    Failover.report("crash-1", List.of(recovery));

    AgentSession s = bed.get(ns, "solo");
    assertThat(s.getStatus().getPodName()).isEqualTo("solo-2");
    assertThat(s.getStatus().getNodeName()).isEqualTo(b.name());
    assertThat(s.getStatus().getMigration()).isNull();
    assertThat(s.getStatus().getMigrationCount()).isEqualTo(1);
    MigrationRecord m = onlyMigration(s);
    assertThat(m.getReason()).isEqualTo("NodeFailed");
    assertThat(m.getFromNode()).isEqualTo(a.name());
    assertThat(m.getToNode()).isEqualTo(b.name());
    assertThat(m.getFromEpoch()).isEqualTo(1);
    assertThat(m.getToEpoch()).isEqualTo(2);
    assertThat(m.getFencedAt()).isNotNull();
    assertThat(hasCondition(s, Conditions.READY, "True", "Running")).isTrue();
    assertThat(hasCondition(s, Conditions.DEGRADED, "False", "AsExpected")).isTrue();
    // The crashed kubelet confirms nothing: solo-1 is gone only because the operator force-deleted it.
    assertThat(podNames(bed, ns, "solo")).containsExactly("solo-2");
    Failover.awaitWarning(bed, ns, "solo", "NodeFailed");
    // Heartbeat silence to detection, as the dashboard shows it: at least the detection timeout.
    var delays = bed.registry().find("tether_detection_delay_seconds").timer();
    assertThat(delays).isNotNull();
    assertThat(delays.count()).isPositive();
    assertThat(delays.max(java.util.concurrent.TimeUnit.MILLISECONDS))
        .isGreaterThanOrEqualTo(Duration.parse("PT" + OperatorTestBed.DETECTION_TIMEOUT).toMillis());
  }

  @Test
  void fiftySessionsOfACrashedNodeAllMoveOnce() {
    SimulatedNode a = bed.addNode(pool, "a");
    List<String> names = new ArrayList<>();
    // Half on network volumes; half on ReadWriteOnce volumes, which only the out-of-service taint frees
    // from a dead node before kube-controller-manager's 6 minute force-detach.
    IntStream.range(0, 50).forEach(i -> {
      String name = (i % 2 == 0 ? "rwx-" : "rwo-") + i;
      names.add(name);
      bed.create(i % 2 == 0 ? Failover.rwx(bed, ns, name, pool)
          : Failover.rwo(bed, ns, name, pool, FencingPolicy.OutOfServiceTaint));
    });
    Failover.awaitRecovered(bed, ns, names, 1, Instant.now(), Duration.ofSeconds(120));
    SimulatedNode b = bed.addNode(pool, "b");
    SimulatedNode c = bed.addNode(pool, "c");

    Instant crashed = Instant.now();
    a.crash();
    Map<String, Duration> recovery = Failover.awaitRecovered(bed, ns, names, 2, crashed, Duration.ofSeconds(120));
    Failover.report("crash-50", List.copyOf(recovery.values()));
    Failover.report("crash-50-rwx", names.stream().filter(n -> n.startsWith("rwx")).map(recovery::get).toList());
    Failover.report("crash-50-rwo-taint", names.stream().filter(n -> n.startsWith("rwo")).map(recovery::get).toList());

    assertThat(Failover.hasOutOfServiceTaint(bed, a.name())).isTrue();
    for (String name : names) {
      AgentSession s = bed.get(ns, name);
      assertThat(s.getStatus().getEpoch()).as(name).isEqualTo(2);
      assertThat(s.getStatus().getPhase()).isEqualTo(SessionPhase.Running);
      MigrationRecord m = onlyMigration(s);
      assertThat(m.getReason()).as(name).isEqualTo("NodeFailed");
      assertThat(m.getFromNode()).isEqualTo(a.name());
      assertThat(m.getToNode()).isIn(b.name(), c.name());
      assertThat(podNames(bed, ns, name)).as(name).containsExactly(name + "-2");
    }
    await().atMost(OperatorTestBed.TIMEOUT).until(() -> bed.client().storage().v1().volumeAttachments().list()
        .getItems().stream().noneMatch(va -> a.name().equals(va.getSpec().getNodeName())));
  }

  @Test
  void aDeletedNodeObjectMovesTheSessionWithReasonNodeDeleted() {
    SimulatedNode a = bed.addNode(pool, "a");
    bed.create(Failover.rwx(bed, ns, "gone", pool));
    bed.awaitRunning(ns, "gone", 1);
    SimulatedNode b = bed.addNode(pool, "b");

    Instant deleted = Instant.now();
    a.deleteNodeObject();
    Failover.report("node-deleted", List.copyOf(
        Failover.awaitRecovered(bed, ns, List.of("gone"), 2, deleted, OperatorTestBed.TIMEOUT).values()));

    AgentSession s = bed.get(ns, "gone");
    MigrationRecord m = onlyMigration(s);
    assertThat(m.getReason()).isEqualTo("NodeDeleted");
    assertThat(m.getFromNode()).isEqualTo(a.name());
    assertThat(m.getToNode()).isEqualTo(b.name());
    assertThat(s.getStatus().getNodeName()).isEqualTo(b.name());
    assertThat(podNames(bed, ns, "gone")).containsExactly("gone-2");
    Failover.awaitWarning(bed, ns, "gone", "NodeDeleted");
  }

  @Test
  void aHealedPartitionDoesNotBringTheOldIncarnationBack() {
    SimulatedNode a = bed.addNode(pool, "a");
    // A network volume lets the new pod start while the old one still runs behind the partition; a
    // ReadWriteOnce volume makes the new pod wait until the healed node stopped the old one.
    bed.create(Failover.rwx(bed, ns, "net", pool));
    AgentSession local = Failover.rwo(bed, ns, "disk", pool, FencingPolicy.ForceDelete);
    local.getSpec().getFailover().setVolumeDetachTimeout("5m");
    bed.create(local);
    bed.awaitRunning(ns, "net", 1);
    bed.awaitRunning(ns, "disk", 1);
    SimulatedNode b = bed.addNode(pool, "b");

    a.partition();
    bed.awaitRunning(ns, "net", 2);
    AgentSession waiting = bed.awaitSession(ns, "disk", s -> Failover.inStep(s, dev.tether.api.v1alpha1.MigrationStep.WaitingForVolume));
    assertThat(waiting.getStatus().getEpoch()).isEqualTo(1);
    // Behind the partition the old runtimes still run: the API cannot stop them.
    assertThat(bed.runtimes().isRunning(ns, "net-1")).isTrue();
    assertThat(bed.runtimes().isRunning(ns, "disk-1")).isTrue();
    assertThat(Failover.pod(bed, ns, "net-1")).isNull();

    a.heal();
    await().atMost(OperatorTestBed.TIMEOUT).until(() -> !bed.runtimes().isRunning(ns, "net-1")
        && !bed.runtimes().isRunning(ns, "disk-1"));
    AgentSession disk = bed.awaitRunning(ns, "disk", 2);

    for (String name : List.of("net", "disk")) {
      AgentSession s = bed.get(ns, name);
      assertThat(s.getStatus().getEpoch()).isEqualTo(2);
      assertThat(s.getStatus().getNodeName()).isEqualTo(b.name());
      assertThat(onlyMigration(s).getReason()).isEqualTo("NodeFailed");
      assertThat(podNames(bed, ns, name)).containsExactly(name + "-2");
      assertThat(bed.runtimes().runningPodsOf(ns, name)).containsExactly(name + "-2");
      assertThat(Failover.pod(bed, ns, name + "-2").getStatus().getPhase()).isEqualTo("Running");
    }
    assertThat(bed.runtimes().overlapped(ns, "disk")).isFalse();
    assertThat(disk.getStatus().getMigrations().get(0).getToNode()).isEqualTo(b.name());
  }

  @Test
  void aPartitionShorterThanTheDetectionTimeoutMovesNothing() {
    SimulatedNode a = bed.addNode(pool, "a");
    bed.create(Failover.rwx(bed, ns, "flap", pool));
    bed.awaitRunning(ns, "flap", 1);
    bed.addNode(pool, "b");

    a.partition();
    Instant lastRenewal = Failover.leaseRenewTime(bed, a.name());
    await().atMost(OperatorTestBed.TIMEOUT).pollInterval(Duration.ofMillis(50))
        .until(() -> Instant.now().isAfter(lastRenewal.plusMillis(1500)));
    a.heal();
    Duration silence = Duration.between(lastRenewal, Failover.leaseRenewTime(bed, a.name()));
    assertThat(silence).isBetween(Duration.ofMillis(1500), Duration.ofMillis(3500));

    // Had the partition lasted, the node would have been declared failed by now; it did not.
    Instant wouldHaveFailed = lastRenewal.plusSeconds(4 + 2);
    await().atMost(OperatorTestBed.TIMEOUT).pollInterval(Duration.ofMillis(200))
        .until(() -> {
          AgentSession s = bed.get(ns, "flap");
          assertThat(s.getStatus().getEpoch()).isEqualTo(1);
          assertThat(s.getStatus().getMigration()).isNull();
          return Instant.now().isAfter(wouldHaveFailed);
        });
    AgentSession s = bed.get(ns, "flap");
    assertThat(s.getStatus().getPhase()).isEqualTo(SessionPhase.Running);
    assertThat(s.getStatus().getMigrations()).isNullOrEmpty();
    assertThat(s.getStatus().getNodeName()).isEqualTo(a.name());
    assertThat(podNames(bed, ns, "flap")).containsExactly("flap-1");
    assertThat(bed.runtimes().runningPodsOf(ns, "flap")).containsExactly("flap-1");
  }
}
