package dev.tether.playground;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.CheckpointSpec.AccessMode;
import dev.tether.api.v1alpha1.FailoverSpec.FencingPolicy;
import dev.tether.api.v1alpha1.MigrationStep;
import dev.tether.api.v1alpha1.SessionPhase;
import dev.tether.store.Manifest;
import dev.tether.store.SessionKey;
import dev.tether.testbed.sim.OutOfServiceTaint;
import dev.tether.testbed.sim.SimulatedNode;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The checkpoint etcd goes down while a migration waits in each of its steps, and what held the step gives way
 * during the outage. However long the store stays away, the migration ends in one incarnation whose epoch the
 * store holds exactly, with one pod, restoring the last checkpoint the lost incarnation had acknowledged.
 * ({@link StoreOutageIT} covers the loss itself, detected and rescheduled while the store is down.)
 */
class StoreOutageAtEachStepIT {
  static final Duration TIMEOUT = Duration.ofSeconds(90);
  static final int STEPS = 600;

  final SessionCluster bed = PlaygroundBed.get();

  /** Fencing waits for the admin (Manual); the admin deletes the pod while the store is down. */
  @Test
  void inFencing() {
    String ns = PlaygroundBed.newNamespace("out-fencing");
    String pool = PlaygroundBed.newPool();
    SimulatedNode a = PlaygroundBed.addNode(pool, "a");
    AgentSession session = session(ns, "held", pool);
    session.getSpec().getFailover().setFencing(FencingPolicy.Manual);
    startRunning(session);
    PlaygroundBed.addNode(pool, "b");

    a.crash();
    try {
      awaitStep(ns, "held", MigrationStep.Fencing);
      outage(ns, "held", () -> bed.client().pods().inNamespace(ns).withName("held-1").withGracePeriod(0).delete());
      assertRestoredOnce(ns, "held", 2);
    } finally {
      a.heal(); // a dead node left behind would count towards the next test's mass-failure guard
    }
  }

  /** A ReadWriteOnce volume stays attached to the dead node until the admin taints it, during the outage. */
  @Test
  void inWaitingForVolume() {
    String ns = PlaygroundBed.newNamespace("out-volume");
    String pool = PlaygroundBed.newPool();
    SimulatedNode a = PlaygroundBed.addNode(pool, "a");
    AgentSession session = session(ns, "stuck", pool);
    session.getSpec().getCheckpoint().setAccessMode(AccessMode.ReadWriteOnce);
    session.getSpec().getFailover().setFencing(FencingPolicy.ForceDelete);
    startRunning(session);
    PlaygroundBed.addNode(pool, "b");

    a.crash();
    try {
      awaitStep(ns, "stuck", MigrationStep.WaitingForVolume);
      outage(ns, "stuck", () -> OutOfServiceTaint.add(bed.client(), a.name()));
      assertRestoredOnce(ns, "stuck", 2);
    } finally {
      OutOfServiceTaint.remove(bed.client(), a.name());
      a.heal();
    }
  }

  /**
   * The new incarnation's pod waits for a node; one comes while the store is down, so its supervisor cannot
   * restore until the store is back. No new epoch is taken for that wait.
   */
  @Test
  void inRestoring() {
    String ns = PlaygroundBed.newNamespace("out-restoring");
    String pool = PlaygroundBed.newPool();
    SimulatedNode a = PlaygroundBed.addNode(pool, "a");
    startRunning(session(ns, "late", pool));

    a.crash();
    try {
      AgentSession restoring = awaitStep(ns, "late", MigrationStep.Restoring);
      assertThat(restoring.getStatus().getEpoch()).isEqualTo(2);
      outage(ns, "late", () -> {
        PlaygroundBed.addNode(pool, "b");
        await().atMost(TIMEOUT).until(() -> {
          Pod pod = bed.client().pods().inNamespace(ns).withName("late-2").get();
          return pod != null && pod.getSpec().getNodeName() != null;
        });
      });
      assertRestoredOnce(ns, "late", 2);
    } finally {
      a.heal();
    }
  }

  private AgentSession session(String ns, String name, String pool) {
    return new StepAgentSession(STEPS, Duration.ofMillis(150), 3, "4s", Map.of(PlaygroundBed.POOL_LABEL, pool))
        .build(ns, name);
  }

  private void startRunning(AgentSession session) {
    bed.client().resource(session).create();
    PlaygroundBed.awaitSession(session.getMetadata().getNamespace(), session.getMetadata().getName(), TIMEOUT,
        s -> s.getStatus().getPhase() == SessionPhase.Running && s.getStatus().getLastCheckpoint() != null);
  }

  private static AgentSession awaitStep(String ns, String name, MigrationStep step) {
    return PlaygroundBed.awaitSession(ns, name, TIMEOUT,
        s -> s.getStatus().getMigration() != null && s.getStatus().getMigration().getStep() == step);
  }

  /**
   * Stops etcd, lets {@code release} free the step, waits until the operator says the store is what it waits
   * for (or, in Restoring, what the incarnation waits for), and starts etcd again.
   */
  private void outage(String ns, String name, Runnable release) {
    bed.etcd().stop();
    try {
      release.run();
      AgentSession waiting = PlaygroundBed.awaitSession(ns, name, TIMEOUT, s -> s.getStatus().getPhase()
          == SessionPhase.Migrating && (storeUnavailable(s)
              || s.getStatus().getMigration().getStep() == MigrationStep.Restoring));
      assertThat(waiting.getStatus().getPhase()).as("nothing runs without the store").isEqualTo(SessionPhase.Migrating);
    } finally {
      bed.etcd().startProcess();
    }
  }

  private static boolean storeUnavailable(AgentSession s) {
    return s.getStatus().getConditions().stream().anyMatch(c -> "Degraded".equals(c.getType())
        && "True".equals(c.getStatus()) && "CheckpointStoreUnavailable".equals(c.getReason()));
  }

  /** The invariants after the outage: one migration, one pod, the store's epoch exactly, no checkpoint lost. */
  private void assertRestoredOnce(String ns, String name, long epoch) {
    AgentSession moved = PlaygroundBed.awaitSession(ns, name, TIMEOUT, s -> s.getStatus().getPhase()
        == SessionPhase.Running && s.getStatus().getRestoredFrom() != null
        && s.getStatus().getRestoredFrom().getEpoch() == s.getStatus().getEpoch());
    SessionKey key = SessionKey.of(ns, name);
    assertThat(moved.getStatus().getEpoch()).as("no epoch burned while the store was away").isEqualTo(epoch);
    assertThat(bed.store().epoch(key)).as("the store holds the incarnation's epoch exactly").isEqualTo(epoch);
    assertThat(moved.getStatus().getMigrations()).hasSize(1);
    long lastAcknowledged = bed.store().manifests(key).stream().filter(m -> m.epoch() < epoch)
        .mapToLong(Manifest::sequence).max().orElseThrow();
    assertThat(moved.getStatus().getRestoredFrom().getSequence()).isEqualTo(lastAcknowledged);
    assertThat(moved.getStatus().getRestoredFrom().isFallback()).isFalse();
    assertThat(bed.client().pods().inNamespace(ns).list().getItems())
        .extracting(p -> p.getMetadata().getName()).containsExactly(name + "-" + epoch);
    await().atMost(TIMEOUT).until(() -> bed.store().latest(key).map(Manifest::epoch).orElse(0L) == epoch);
    await().atMost(TIMEOUT).until(() -> PlaygroundBed.get(ns, name).getStatus().getConditions().stream()
        .noneMatch(c -> "CheckpointStoreUnavailable".equals(c.getReason())));
  }
}
