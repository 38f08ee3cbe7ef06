package dev.tether.operator.failover;

import static dev.tether.operator.failover.Failover.hasCondition;
import static dev.tether.operator.failover.Failover.inStep;
import static dev.tether.operator.failover.Failover.onlyMigration;
import static dev.tether.operator.failover.Failover.podNames;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.MigrationRecord;
import dev.tether.api.v1alpha1.MigrationStep;
import dev.tether.api.v1alpha1.SessionPhase;
import dev.tether.operator.OperatorTestBed;
import dev.tether.operator.status.Conditions;
import dev.tether.operator.support.Times;
import dev.tether.testbed.sim.SimulatedNode;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** What stops or delays a migration: no node fits, maxMigrations, backoff, the mass-failure guard. */
class FailoverLimitsIT extends FailoverTestBase {



  @Test
  void withoutAHealthyNodeTheSessionWaitsUnschedulableUntilOneJoins() {
    SimulatedNode a = bed.addNode(pool, "a");
    bed.create(Failover.rwx(bed, ns, "homeless", pool));
    bed.awaitRunning(ns, "homeless", 1);

    a.crash();
    AgentSession waiting = bed.awaitSession(ns, "homeless", s -> inStep(s, MigrationStep.Restoring)
        && hasCondition(s, Conditions.DEGRADED, "True", "Unschedulable"));
    assertThat(waiting.getStatus().getPhase()).isEqualTo(SessionPhase.Migrating);
    assertThat(waiting.getStatus().getEpoch()).isEqualTo(2);
    assertThat(Failover.condition(waiting, Conditions.DEGRADED).get().getMessage()).contains("nodes are available");
    assertThat(Failover.condition(waiting, Conditions.PROGRESSING).get().getMessage())
        .contains("no healthy node fits pod homeless-2").contains("nodes are available");
    assertThat(podNames(bed, ns, "homeless")).containsExactly("homeless-2");

    SimulatedNode b = bed.addNode(pool, "b");
    AgentSession s = bed.awaitRunning(ns, "homeless", 2);
    assertThat(s.getStatus().getNodeName()).isEqualTo(b.name());
    assertThat(onlyMigration(s).getToNode()).isEqualTo(b.name());
    assertThat(hasCondition(s, Conditions.DEGRADED, "False", "AsExpected")).isTrue();
    assertThat(podNames(bed, ns, "homeless")).containsExactly("homeless-2");
  }

  @Test
  void theMigrationAfterMaxMigrationsFailsTheSession() {
    bed.addNode(pool, "a");
    AgentSession once = Failover.rwx(bed, ns, "once", pool);
    once.getSpec().getFailover().setMaxMigrations(1);
    bed.create(once);
    bed.awaitRunning(ns, "once", 1);

    bed.client().pods().inNamespace(ns).withName("once-1").delete();
    bed.awaitRunning(ns, "once", 2);
    bed.client().pods().inNamespace(ns).withName("once-2").delete();

    AgentSession s = bed.awaitPhase(ns, "once", SessionPhase.Failed);
    assertThat(s.getStatus().getEpoch()).isEqualTo(2);
    assertThat(s.getStatus().getMigration()).isNull();
    assertThat(onlyMigration(s).getReason()).isEqualTo("PodDeleted");
    assertThat(hasCondition(s, Conditions.READY, "False", "MigrationLimitReached")).isTrue();
    assertThat(hasCondition(s, Conditions.DEGRADED, "True", "MigrationLimitReached")).isTrue();
    assertThat(Failover.condition(s, Conditions.DEGRADED).get().getMessage())
        .contains("lost incarnation 2").contains("PodDeleted").contains("maxMigrations is 1");
    assertThat(Failover.condition(s, Conditions.READY).get().getMessage()).contains("maxMigrations is 1");
    Failover.awaitWarning(bed, ns, "once", "MigrationLimitReached");
    await().atMost(OperatorTestBed.TIMEOUT).until(() -> podNames(bed, ns, "once").isEmpty());
  }

  @Test
  void anIncarnationLostBeforeItGotReadyCountsAsAMigration() {
    SimulatedNode a = bed.addNode(pool, "a");
    AgentSession once = Failover.rwx(bed, ns, "hang", pool);
    once.getSpec().getFailover().setMaxMigrations(1);
    bed.create(once);
    bed.awaitRunning(ns, "hang", 1);
    SimulatedNode b = bed.addNode(pool, "b");
    bed.runtimes().neverReady(ns, "hang-2");

    a.crash();
    bed.awaitSession(ns, "hang", s -> inStep(s, MigrationStep.Restoring));
    await().atMost(OperatorTestBed.TIMEOUT).until(() -> {
      var pod = bed.client().pods().inNamespace(ns).withName("hang-2").get();
      return pod != null && b.name().equals(pod.getSpec().getNodeName());
    });
    await().atMost(OperatorTestBed.TIMEOUT).until(() -> bed.runtimes().isRunning(ns, "hang-2"));
    // The node of the restoring incarnation dies too: that is the second loss.
    b.crash();

    AgentSession s = bed.awaitPhase(ns, "hang", SessionPhase.Failed);
    assertThat(s.getStatus().getEpoch()).isEqualTo(2);
    MigrationRecord interrupted = onlyMigration(s);
    assertThat(interrupted.getFromNode()).isEqualTo(a.name());
    assertThat(interrupted.getToNode()).isEqualTo(b.name());
    assertThat(interrupted.getRunningAt()).isNull();
    assertThat(Failover.condition(s, Conditions.READY).get().getMessage()).contains("NodeFailed");
    Failover.awaitWarning(bed, ns, "hang", "MigrationLimitReached");
    // Fenced before the session failed: the lost incarnation cannot come back with its node.
    await().atMost(Duration.ofSeconds(10)).until(() -> podNames(bed, ns, "hang").isEmpty());
  }

  @Test
  void theSecondMigrationWaitsForTheInitialBackoff() {
    bed.addNode(pool, "a");
    AgentSession slow = Failover.rwx(bed, ns, "slow", pool);
    slow.getSpec().getFailover().setInitialBackoff("6s");
    bed.create(slow);
    bed.awaitRunning(ns, "slow", 1);

    bed.client().pods().inNamespace(ns).withName("slow-1").delete();
    bed.awaitRunning(ns, "slow", 2);
    Instant secondLoss = Instant.now();
    bed.client().pods().inNamespace(ns).withName("slow-2").delete();

    AgentSession backingOff = bed.awaitSession(ns, "slow", s -> inStep(s, MigrationStep.Rescheduling)
        && hasCondition(s, Conditions.PROGRESSING, "True", "Backoff"));
    Instant notBefore = Times.parse(backingOff.getStatus().getMigration().getNotBefore());
    Instant detected = Times.parse(backingOff.getStatus().getMigration().getDetectedAt());
    assertThat(Duration.between(detected, notBefore)).isEqualTo(Duration.ofSeconds(6));
    assertThat(backingOff.getStatus().getEpoch()).isEqualTo(2);
    assertThat(Failover.pod(bed, ns, "slow-3")).isNull();

    AgentSession s = bed.awaitRunning(ns, "slow", 3);
    var created = Instant.parse(Failover.pod(bed, ns, "slow-3").getMetadata().getCreationTimestamp());
    // creationTimestamp has second precision
    assertThat(created.plusSeconds(1)).isAfterOrEqualTo(notBefore);
    assertThat(Duration.between(secondLoss, Instant.now())).isGreaterThanOrEqualTo(Duration.ofSeconds(6));
    assertThat(s.getStatus().getMigrations()).hasSize(2);
    assertThat(Times.parse(s.getStatus().getMigrations().get(1).getRunningAt())).isAfterOrEqualTo(notBefore);
    assertThat(podNames(bed, ns, "slow")).containsExactly("slow-3");
  }

  @Test
  void theMassFailureGuardHoldsMigrationsWhileMostNodesLookFailed() {
    // The guard counts every node of the cluster: drop what earlier tests crashed, then choose a threshold
    // that two failed nodes cross and one does not.
    bed.removeUnhealthyNodes();
    SimulatedNode a = bed.addNode(pool, "a");
    bed.create(Failover.rwx(bed, ns, "held", pool));
    bed.awaitRunning(ns, "held", 1);
    SimulatedNode b = bed.addNode(pool, "b");
    SimulatedNode c = bed.addNode(pool, "c");
    int nodes = bed.client().nodes().list().getItems().size();
    double threshold = 1.5 / nodes;
    bed.restartOperator(OperatorTestBed.defaultSettings().withMassFailureThreshold(threshold));
    try {
      // b first, so that it already counts as failed when a, the session's node, crosses the timeout.
      Instant bSilent = Failover.leaseRenewTime(bed, b.name());
      b.crash();
      await().atMost(OperatorTestBed.TIMEOUT).until(() -> Instant.now().isAfter(bSilent.plusSeconds(5)));
      a.crash();

      AgentSession held = bed.awaitSession(ns, "held", s -> hasCondition(s, Conditions.DEGRADED, "True", "MassFailureGuard"));
      assertThat(held.getStatus().getEpoch()).isEqualTo(1);
      assertThat(held.getStatus().getMigration()).isNull();
      assertThat(held.getStatus().getPhase()).isEqualTo(SessionPhase.Running);
      assertThat(Failover.condition(held, Conditions.DEGRADED).get().getMessage()).contains(a.name());
      assertThat(podNames(bed, ns, "held")).containsExactly("held-1");
      Failover.awaitWarning(bed, ns, "held", "MassFailureGuard");
      assertThat(bed.operator().reconciler().failureDetector().isBlind()).isTrue();

      b.heal();
      AgentSession s = bed.awaitRunning(ns, "held", 2);
      assertThat(onlyMigration(s).getReason()).isEqualTo("NodeFailed");
      assertThat(onlyMigration(s).getFromNode()).isEqualTo(a.name());
      assertThat(s.getStatus().getNodeName()).isIn(b.name(), c.name());
      assertThat(hasCondition(s, Conditions.DEGRADED, "False", "AsExpected")).isTrue();
      assertThat(podNames(bed, ns, "held")).containsExactly("held-2");
    } finally {
      bed.restartOperator(OperatorTestBed.defaultSettings());
    }
  }
}
