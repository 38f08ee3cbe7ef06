package dev.tether.operator.failover;

import static org.awaitility.Awaitility.await;

import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.CheckpointSpec.AccessMode;
import dev.tether.api.v1alpha1.FailoverSpec.FencingPolicy;
import dev.tether.api.v1alpha1.MigrationRecord;
import dev.tether.api.v1alpha1.MigrationStep;
import dev.tether.operator.OperatorTestBed;
import dev.tether.operator.status.Conditions;
import dev.tether.testbed.sim.OutOfServiceTaint;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/** What the failover tests share: session variants, status look-ups, and the recovery-time report. */
final class Failover {
  static final String OUT_OF_SERVICE = OutOfServiceTaint.KEY;

  private Failover() {}

  /** A session on a network volume: nothing to detach from a failed node. */
  static AgentSession rwx(OperatorTestBed bed, String ns, String name, String pool) {
    AgentSession s = bed.session(ns, name, pool);
    s.getSpec().getCheckpoint().setAccessMode(AccessMode.ReadWriteMany);
    return s;
  }

  static AgentSession rwo(OperatorTestBed bed, String ns, String name, String pool, FencingPolicy fencing) {
    AgentSession s = bed.session(ns, name, pool);
    s.getSpec().getCheckpoint().setAccessMode(AccessMode.ReadWriteOnce);
    s.getSpec().getFailover().setFencing(fencing);
    return s;
  }

  static Optional<Condition> condition(AgentSession s, String type) {
    return Conditions.find(s.getStatus().getConditions(), type);
  }

  static boolean hasCondition(AgentSession s, String type, String status, String reason) {
    return condition(s, type).filter(c -> status.equals(c.getStatus()) && reason.equals(c.getReason())).isPresent();
  }

  static boolean inStep(AgentSession s, MigrationStep step) {
    return s.getStatus().getMigration() != null && s.getStatus().getMigration().getStep() == step;
  }

  static MigrationRecord onlyMigration(AgentSession s) {
    List<MigrationRecord> history = s.getStatus().getMigrations();
    if (history == null || history.size() != 1) {
      throw new AssertionError("expected one migration in the history, got " + history);
    }
    return history.get(0);
  }

  static List<String> podNames(OperatorTestBed bed, String ns, String session) {
    return bed.pods(ns, session).stream().map(p -> p.getMetadata().getName()).sorted().toList();
  }

  static Pod pod(OperatorTestBed bed, String ns, String name) {
    return bed.client().pods().inNamespace(ns).withName(name).get();
  }

  static List<Event> warnings(OperatorTestBed bed, String ns, String session, String reason) {
    return bed.client().v1().events().inNamespace(ns).list().getItems().stream()
        .filter(e -> "Warning".equals(e.getType()) && reason.equals(e.getReason())
            && session.equals(e.getInvolvedObject().getName()))
        .toList();
  }

  static void awaitWarning(OperatorTestBed bed, String ns, String session, String reason) {
    await().atMost(OperatorTestBed.TIMEOUT).pollInterval(Duration.ofMillis(200))
        .until(() -> !warnings(bed, ns, session, reason).isEmpty());
  }

  /** What the kubelet would do for an administrator who confirmed the machine is down. */
  static void taintOutOfService(OperatorTestBed bed, String node) {
    OutOfServiceTaint.add(bed.client(), node);
  }

  static boolean hasOutOfServiceTaint(OperatorTestBed bed, String node) {
    var n = bed.client().nodes().withName(node).get();
    return n.getSpec().getTaints() != null && n.getSpec().getTaints().stream().anyMatch(t -> OUT_OF_SERVICE.equals(t.getKey()));
  }

  static Instant leaseRenewTime(OperatorTestBed bed, String node) {
    Lease lease = bed.client().leases().inNamespace("kube-node-lease").withName(node).get();
    return lease.getSpec().getRenewTime().toInstant();
  }

  /** VolumeAttachments on the node for the volume of the session's claim. */
  static long attachmentsOf(OperatorTestBed bed, String ns, String session, String node) {
    var claim = bed.client().persistentVolumeClaims().inNamespace(ns).withName(session + "-checkpoints").get();
    String pv = claim.getSpec().getVolumeName();
    return bed.client().storage().v1().volumeAttachments().list().getItems().stream()
        .filter(va -> node.equals(va.getSpec().getNodeName())
            && pv.equals(va.getSpec().getSource().getPersistentVolumeName()))
        .count();
  }

  /**
   * Waits until every named session runs the given epoch and returns, per session, the time from
   * {@code since} to the first poll (every 100 ms) that saw it Running.
   */
  static java.util.Map<String, Duration> awaitRecovered(OperatorTestBed bed, String ns, java.util.Collection<String> names,
      long epoch, Instant since, Duration atMost) {
    java.util.Map<String, Duration> recovered = new java.util.concurrent.ConcurrentHashMap<>();
    await().atMost(atMost).pollInterval(Duration.ofMillis(100)).until(() -> {
      Instant now = Instant.now();
      for (AgentSession s : bed.client().resources(AgentSession.class).inNamespace(ns).list().getItems()) {
        String name = s.getMetadata().getName();
        if (names.contains(name) && !recovered.containsKey(name) && s.getStatus() != null
            && s.getStatus().getPhase() == dev.tether.api.v1alpha1.SessionPhase.Running
            && s.getStatus().getEpoch() == epoch) {
          recovered.put(name, Duration.between(since, now));
        }
      }
      return recovered.keySet().containsAll(names);
    });
    return recovered;
  }

  /** Prints one line with the recovery times, for docs/failover.md. */
  static void report(String scenario, List<Duration> times) {
    List<Long> ms = new ArrayList<>(times.stream().map(Duration::toMillis).toList());
    Collections.sort(ms);
    System.out.printf("RECOVERY scenario=%s sessions=%d p50=%dms p99=%dms max=%dms%n", scenario, ms.size(),
        percentile(ms, 50), percentile(ms, 99), ms.get(ms.size() - 1));
  }

  private static long percentile(List<Long> sorted, int p) {
    int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
  }
}
