package dev.tether.bench;

import dev.tether.api.Tether;
import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.SessionPhase;
import dev.tether.operator.OperatorSettings;
import dev.tether.testbed.Namespaces;
import dev.tether.testbed.sim.SimulatedNode;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Benchmark 2: the same agent as an AgentSession, a 1-replica Deployment and a 1-replica StatefulSet, all three
 * on one node, with the real kube-controller-manager and kube-scheduler (Kubernetes defaults) on the same
 * apiserver and the operator watching too. The node crashes once; for each we take the time until a
 * replacement pod is Running on a healthy node, or "never" within the bound.
 */
final class PeerBenchmark {
  static final String DEPLOYMENT = "deployment";
  static final String STATEFUL_SET = "statefulset";
  static final String SESSION = "session";

  private final Duration detection;
  private final Duration bound;
  /** Time from the crash to a Running replacement, by workload; empty if none within the bound. */
  final Map<String, Optional<Double>> replaced = new java.util.LinkedHashMap<>();

  PeerBenchmark(Duration detection, Duration bound) {
    this.detection = detection;
    this.bound = bound;
  }

  Duration bound() {
    return bound;
  }

  void run() {
    try (BenchCluster cluster = new BenchCluster(true, 250, Duration.ofSeconds(1))) {
      cluster.startOperator(OperatorSettings.defaults().withDetectionTimeout(detection));
      String pool = "peer";
      String namespace = Namespaces.create(cluster.client(), "peer");
      SimulatedNode victim = cluster.addNode(pool, "victim");
      // The spares wait outside the pool until the three pods run on the victim.
      List<SimulatedNode> spares = List.of(cluster.addNode("standby", "0"), cluster.addNode("standby", "1"));
      cluster.startRealControllers();
      try (var running = new FirstSeen<Pod>(cluster.client().pods().inNamespace(namespace), PeerBenchmark::workload);
           var restored = new FirstSeen<AgentSession>(
               cluster.client().resources(AgentSession.class).inNamespace(namespace), s -> SESSION)) {
        running.arm(p -> isRunning(p) && victim.name().equals(p.getSpec().getNodeName()));
        cluster.client().resource(BenchCluster.session(namespace, "agent", pool)).create();
        cluster.client().apps().deployments().inNamespace(namespace).resource(new DeploymentBuilder()
            .withNewMetadata().withName("agent").endMetadata()
            .withNewSpec().withReplicas(1)
              .withNewSelector().addToMatchLabels("app", DEPLOYMENT).endSelector()
              .withTemplate(BenchCluster.agentTemplate(pool, Map.of("app", DEPLOYMENT)))
            .endSpec().build()).create();
        cluster.client().apps().statefulSets().inNamespace(namespace).resource(new StatefulSetBuilder()
            .withNewMetadata().withName("agent").endMetadata()
            .withNewSpec().withReplicas(1).withServiceName("agent")
              .withNewSelector().addToMatchLabels("app", STATEFUL_SET).endSelector()
              .withTemplate(BenchCluster.agentTemplate(pool, Map.of("app", STATEFUL_SET)))
            .endSpec().build()).create();
        Await.until("the three pods Running on " + victim.name(), Duration.ofMinutes(3), () -> running.count() == 3);
        spares.forEach(node -> cluster.movePool(node, pool));
        long epoch = restored.current().get(0).getStatus().getEpoch();
        running.arm(p -> isRunning(p) && p.getSpec().getNodeName() != null
            && !victim.name().equals(p.getSpec().getNodeName()));
        restored.arm(s -> s.getStatus() != null && s.getStatus().getPhase() == SessionPhase.Running
            && s.getStatus().getEpoch() > epoch);

        Instant crash = Instant.now();
        victim.crash();
        System.err.printf("peer: node crashed; waiting up to %d s for the Deployment and StatefulSet%n",
            bound.toSeconds());
        Await.within(bound, () -> running.count() == 3);
        Map<String, Instant> seen = running.seen();
        for (String workload : List.of(SESSION, DEPLOYMENT, STATEFUL_SET)) {
          replaced.put(workload, Optional.ofNullable(seen.get(workload))
              .map(t -> Duration.between(crash, t).toNanos() / 1e6));
        }
        Optional.ofNullable(restored.seen().get(SESSION))
            .ifPresent(t -> sessionRestored = Duration.between(crash, t).toNanos() / 1e6);
      }
    }
  }

  private Double sessionRestored;

  private static String workload(Pod pod) {
    Map<String, String> labels = pod.getMetadata().getLabels();
    return labels.containsKey(Tether.LABEL_SESSION) ? SESSION : labels.getOrDefault("app", "?");
  }

  private static boolean isRunning(Pod pod) {
    return pod.getStatus() != null && "Running".equals(pod.getStatus().getPhase())
        && pod.getMetadata().getDeletionTimestamp() == null;
  }

  void report(Report report, RecoveryBenchmark recovery) {
    report.heading("2. The peer: Deployment and StatefulSet in the same run");
    report.line("One node runs the agent three ways: as an AgentSession (detection timeout " + detection.toSeconds()
        + " s), a 1-replica Deployment and a 1-replica StatefulSet, same container, nodeSelector to the same pool "
        + "of three simulated nodes. The real kube-controller-manager and kube-scheduler v1.20.2 run with "
        + "Kubernetes defaults (node-monitor-grace-period 40 s, the apiserver's default unreachable toleration "
        + "300 s); the simulated scheduler is off, so kube-scheduler binds every pod, the operator's too. The node "
        + "crashes once; time until a replacement pod is Running on a healthy node, bounded at "
        + bound.toSeconds() + " s.");
    report.line("");
    double ours = replaced.getOrDefault(SESSION, Optional.empty()).orElse(Double.NaN);
    var rows = Report.rows();
    for (var entry : replaced.entrySet()) {
      String time = entry.getValue().map(Stats::seconds).orElse("never (> " + bound.toSeconds() + " s)");
      String ratio = entry.getKey().equals(SESSION) ? "1" : entry.getValue()
          .map(t -> String.format("%.0fx", t / ours)).orElse("> " + String.format("%.0fx", bound.toMillis() / ours));
      rows.add(List.of(label(entry.getKey()), time, ratio));
    }
    report.table(List.of("workload", "crash -> replacement pod Running", "peer / ours"), rows);
    if (sessionRestored != null) {
      report.line("The session's status was Running with the new epoch " + Stats.seconds(sessionRestored)
          + " after the crash.");
    }
    if (recovery != null && recovery.restored.containsKey(1)) {
      double p50 = Stats.ofMillis(recovery.restored.get(1)).p50();
      report.line(String.format("Against benchmark 1's single-session p50 (%s, simulated scheduler): Deployment %s.",
          Stats.seconds(p50), replaced.getOrDefault(DEPLOYMENT, Optional.empty())
              .map(t -> String.format("%.0fx", t / p50)).orElse("never")));
    }
  }

  private static String label(String workload) {
    return switch (workload) {
      case SESSION -> "AgentSession (Tether)";
      case DEPLOYMENT -> "Deployment, 1 replica";
      case STATEFUL_SET -> "StatefulSet, 1 replica";
      default -> workload;
    };
  }

  List<Double> peerTimes() {
    return new ArrayList<>(replaced.values().stream().flatMap(Optional::stream).toList());
  }
}
