package dev.tether.bench;

import dev.tether.api.Tether;
import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.SessionPhase;
import dev.tether.testbed.AuditLog;
import dev.tether.testbed.Namespaces;
import dev.tether.testbed.sim.SimulatedNode;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One node crash with {@code sessions} sessions on it: the sessions are placed on a single node of a fresh pool,
 * spare nodes join, the node crashes, and for every session we take the time from the crash to (a) its new pod
 * Running on another node and (b) its status Running with the new epoch. Also counts the operator's API writes
 * from the crash until everything settled.
 */
final class RecoveryTrial {
  /** How long after the last session recovered the operator's trailing writes (events, history) are counted. */
  private static final Duration SETTLE = Duration.ofSeconds(3);

  record Result(int sessions, List<Double> podRunningMillis, List<Double> restoredMillis,
                Map<AuditLog.Key, Long> operatorWrites) {
    long totalWrites() {
      return operatorWrites.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  private RecoveryTrial() {}

  static Result run(BenchCluster cluster, String pool, int sessions, Duration timeout) {
    String namespace = Namespaces.create(cluster.client(), "rec");
    SimulatedNode victim = cluster.addNode(pool, "victim");
    try (var restored = new FirstSeen<AgentSession>(
            cluster.client().resources(AgentSession.class).inNamespace(namespace), s -> s.getMetadata().getName());
         var replaced = new FirstSeen<Pod>(cluster.client().pods().inNamespace(namespace),
             p -> p.getMetadata().getLabels().getOrDefault(Tether.LABEL_SESSION, p.getMetadata().getName()))) {
      restored.arm(s -> s.getStatus() != null && s.getStatus().getPhase() == SessionPhase.Running
          && victim.name().equals(s.getStatus().getNodeName()));
      cluster.createSessions(namespace, "s", sessions, pool, 4);
      Await.until(sessions + " sessions Running on " + victim.name(), timeout, () -> restored.count() == sessions);

      // Room elsewhere: spare nodes with enough capacity for all of them.
      int spares = Math.max(2, (int) Math.ceil(sessions / 250.0));
      for (int i = 0; i < spares; i++) {
        cluster.addNode(pool, "spare-" + i);
      }
      Map<String, Long> epochs = restored.current().stream().collect(Collectors.toMap(
          s -> s.getMetadata().getName(), s -> s.getStatus().getEpoch()));
      restored.arm(s -> s.getStatus() != null && s.getStatus().getPhase() == SessionPhase.Running
          && s.getStatus().getEpoch() > epochs.getOrDefault(s.getMetadata().getName(), Long.MAX_VALUE)
          && !victim.name().equals(s.getStatus().getNodeName()));
      replaced.arm(p -> "Running".equals(p.getStatus() == null ? null : p.getStatus().getPhase())
          && p.getMetadata().getDeletionTimestamp() == null
          && p.getMetadata().getLabels().containsKey(Tether.LABEL_SESSION)
          && p.getSpec().getNodeName() != null && !victim.name().equals(p.getSpec().getNodeName()));

      Instant crash = Instant.now();
      victim.crash();
      Await.until(sessions + " sessions restored", timeout,
          () -> restored.count() == sessions && replaced.count() == sessions);
      Instant last = restored.seen().values().stream().max(Instant::compareTo).orElseThrow();
      Instant countUntil = last.plus(SETTLE);
      Await.until("settling", SETTLE.plusSeconds(5), () -> Instant.now().isAfter(countUntil.plusSeconds(1)));
      Map<AuditLog.Key, Long> writes = cluster.audit().countWrites(crash, countUntil,
          e -> e.user().equals(BenchCluster.OPERATOR_USER));
      // A dead Node left behind would count against the mass-failure guard in later trials.
      victim.deleteNodeObject();
      return new Result(sessions, millisSince(crash, replaced.seen()), millisSince(crash, restored.seen()), writes);
    }
  }

  private static List<Double> millisSince(Instant start, Map<String, Instant> times) {
    return times.values().stream().map(t -> Duration.between(start, t).toNanos() / 1e6).sorted().toList();
  }
}
