package dev.tether.bench;

import static org.awaitility.Awaitility.await;

import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.AgentSessionStatus;
import dev.tether.api.v1alpha1.MigrationRecord;
import dev.tether.install.ChartOnRealCluster;
import dev.tether.store.ContextStore;
import dev.tether.store.Manifest;
import dev.tether.store.RestoreRecord;
import dev.tether.store.SessionKey;
import dev.tether.store.StoreConfig;
import dev.tether.api.v1alpha1.CheckpointSpec;
import dev.tether.api.v1alpha1.ObjectStoreSpec;
import dev.tether.testbed.real.ObjectStorePod;
import dev.tether.testbed.real.PodLogs;
import dev.tether.testbed.real.RealCluster;
import dev.tether.testbed.real.RealNode;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Recovery on real nodes (kubelets with containerd and runc, Tether installed by its Helm chart): the example
 * agent carries a memory of 1 MiB or 64 MiB in its context, its node is crashed (kubelet, runtime and containers
 * killed), and the clock runs from the crash to the new incarnation's agent working again on the restored
 * context, split into detection, restore (the supervisor verified and recorded the checkpoint) and the agent
 * resuming (read from its own log line's time on the node).
 */
final class RealNodeRecoveryBenchmark {
  /** The supervisor takes checkpoints of up to 64 MiB; the memory leaves room for the steps around it. */
  static final Map<String, Integer> SIZES = sizes();
  private static final Duration STEP = Duration.ofMillis(500);
  private static final Duration TIMEOUT = Duration.ofMinutes(3);

  private static final String CREDENTIALS = "s3-creds";
  private static final String SHARED = ", shared volume";
  private static final String TIERED = ", node-local volume + object store";
  private final Duration detection;
  private String objectStore;
  private final int trials;
  final Map<String, List<Trial>> results = new LinkedHashMap<>();
  private String skipped;

  /** One crash: seconds from the crash to each milestone, and the checkpoint's size. */
  record Trial(long checkpointBytes, double detected, double restored, double resumed) {}

  RealNodeRecoveryBenchmark(Duration detection, int trials) {
    this.detection = detection;
    this.trials = trials;
  }

  private static Map<String, Integer> sizes() {
    Map<String, Integer> sizes = new LinkedHashMap<>();
    sizes.put("1 MiB", 1 << 20);
    sizes.put("64 MiB", (64 << 20) - (64 << 10));
    return sizes;
  }

  void run() {
    Optional<String> unavailable = RealCluster.unavailableReason();
    if (unavailable.isPresent()) {
      skipped = unavailable.get();
      System.err.println("real nodes: skipped: " + skipped);
      return;
    }
    try (RealCluster cluster = RealCluster.start(3)) {
      ChartOnRealCluster release = ChartOnRealCluster.install(cluster);
      try (ContextStore store = ContextStore.connect(StoreConfig.of(ChartOnRealCluster.ETCD_ENDPOINT)
          .withTls(release.etcdCaFile(), null, null)
          .withCredentials(ChartOnRealCluster.ETCD_OPERATOR_USER, release.etcdOperatorPassword()))) {
        measure(cluster, release, store);
      }
    }
  }

  private void measure(RealCluster cluster, ChartOnRealCluster release, ContextStore store) {
    String ns = cluster.createNamespace("bench");
    objectStore = ObjectStorePod.start(cluster, cluster.createNamespace("object-store"));
    cluster.client().resource(dev.tether.testbed.ObjectStoreServer.credentialsSecret(ns, CREDENTIALS)).create();
    for (var size : SIZES.entrySet()) {
      for (boolean tiered : new boolean[] {false, true}) {
        for (int t = 0; t < trials; t++) {
          String name = "ctx" + size.getValue() / (1 << 20) + "m-" + (tiered ? "tier-" : "") + t;
          String row = size.getKey() + (tiered ? TIERED : SHARED);
          Trial trial;
          try {
            trial = trial(cluster, release, store, ns, name, size.getValue(), tiered);
          } catch (RuntimeException e) {
            System.err.printf("real nodes: %s, trial %d failed: %s%n", row, t, e.getMessage());
            trial = new Trial(0, Double.NaN, Double.NaN, Double.NaN);
          }
          System.err.printf("real nodes: %s, trial %d: detected %.1f s, restored %.1f s, resumed %.1f s%n",
              row, t, trial.detected(), trial.restored(), trial.resumed());
          results.computeIfAbsent(row, k -> new ArrayList<>()).add(trial);
        }
      }
    }
  }

  private Trial trial(RealCluster cluster, ChartOnRealCluster release, ContextStore store, String ns, String name,
      int memoryBytes, boolean tiered) {
    KubernetesClient client = cluster.client();
    client.resource(session(release, ns, name, memoryBytes, tiered)).create();
    SessionKey key = SessionKey.of(ns, name);
    await("first checkpoint of " + name).atMost(TIMEOUT).pollInterval(Duration.ofMillis(200))
        .until(() -> store.latest(key).filter(m -> m.epoch() == 1).isPresent() && ready(client, ns, name, 1));
    AgentSessionStatus before = status(client, ns, name);
    RealNode node = cluster.node(before.getNodeName());
    Instant crash = Instant.now();
    node.crash();
    try {
      try {
        await("recovery of " + name).atMost(TIMEOUT).pollInterval(Duration.ofMillis(200))
            .until(() -> ready(client, ns, name, 2) && resumedAt(cluster, ns, name).isPresent());
      } catch (org.awaitility.core.ConditionTimeoutException e) {
        throw new IllegalStateException(e.getMessage() + "\n" + diagnosis(cluster, ns, name), e);
      }
      AgentSessionStatus after = status(client, ns, name);
      MigrationRecord move = after.getMigrations().get(after.getMigrations().size() - 1);
      RestoreRecord restore = store.restore(key, 2).orElseThrow();
      if (tiered != RestoreRecord.OBJECT_STORE.equals(restore.source()) || restore.fallback()) {
        throw new IllegalStateException(name + " restored from " + restore.source() + ", fallback " + restore.fallback());
      }
      Manifest restored = store.manifests(key).stream().filter(m -> m.sequence() == restore.sequence())
          .findFirst().orElseThrow();
      return new Trial(restored.size(), seconds(crash, Instant.parse(move.getDetectedAt())),
          seconds(crash, restore.time()), seconds(crash, resumedAt(cluster, ns, name).orElseThrow()));
    } finally {
      node.restart();
      await(node.name() + " Ready again").atMost(TIMEOUT).until(() -> nodeReady(client, node.name()));
      client.resources(AgentSession.class).inNamespace(ns).withName(name).delete();
      await("pods of " + name + " gone").atMost(TIMEOUT).until(() -> client.pods().inNamespace(ns)
          .withLabel("tether.dev/session", name).list().getItems().isEmpty());
    }
  }

  /** examples/step-agent-session.yaml with a memory of {@code memoryBytes}, long-running, and room for it. */
  private AgentSession session(ChartOnRealCluster release, String ns, String name, int memoryBytes,
      boolean tiered) {
    AgentSession session;
    try {
      session = release.client().getKubernetesSerialization().unmarshal(
          Files.readString(release.chart().repoRoot().resolve("examples/step-agent-session.yaml")), AgentSession.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    session.getMetadata().setName(name);
    session.getMetadata().setNamespace(ns);
    var agent = session.getSpec().getTemplate().getSpec().getContainers().get(0);
    Map<String, String> env = Map.of("AGENT_STEPS", "100000", "AGENT_STEP_MILLIS", Long.toString(STEP.toMillis()),
        "AGENT_CHECKPOINT_EVERY", "4", "AGENT_MEMORY_BYTES", Integer.toString(memoryBytes));
    List<EnvVar> vars = new ArrayList<>(agent.getEnv());
    vars.forEach(e -> e.setValue(env.getOrDefault(e.getName(), e.getValue())));
    vars.add(new EnvVar("AGENT_MEMORY_BYTES", Integer.toString(memoryBytes), null));
    agent.setEnv(vars);
    agent.setImagePullPolicy("Never");
    // The context is held a few times over while it is serialized: the heap must fit it.
    agent.getResources().getLimits().put("memory", new Quantity(memoryBytes > (8 << 20) ? "1Gi" : "256Mi"));
    agent.setCommand(List.of("java", "-XX:MaxRAMPercentage=70", "-cp", "@/app/jib-classpath-file",
        "dev.tether.examples.agent.StepAgent"));
    session.getSpec().getCheckpoint().setSize(new Quantity(memoryBytes > (8 << 20) ? "1Gi" : "64Mi"));
    session.getSpec().getFailover().setDetectionTimeout(detection.toSeconds() + "s");
    session.getSpec().getFailover().setInitialBackoff("1s");
    if (tiered) {
      // A volume on the node's own disk, lost with it: only the object store has the checkpoints.
      session.getSpec().getCheckpoint().setStorageClassName("node-local");
      session.getSpec().getCheckpoint().setAccessMode(CheckpointSpec.AccessMode.ReadWriteOnce);
      ObjectStoreSpec tier = new ObjectStoreSpec();
      tier.setEndpoint(objectStore);
      tier.setBucket(ObjectStorePod.BUCKET);
      tier.setPrefix("bench");
      tier.setCredentialsSecret(CREDENTIALS);
      session.getSpec().getCheckpoint().setObjectStore(tier);
    }
    return session;
  }

  /** What a failed trial left: the session's status, its pods' container states, the new pod's logs. */
  private static String diagnosis(RealCluster cluster, String ns, String name) {
    KubernetesClient client = cluster.client();
    StringBuilder out = new StringBuilder(io.fabric8.kubernetes.client.utils.Serialization.asYaml(
        status(client, ns, name)));
    client.pods().inNamespace(ns).withLabel("tether.dev/session", name).list().getItems().forEach(pod -> {
      out.append(pod.getMetadata().getName()).append(" on ").append(pod.getSpec().getNodeName()).append(": ")
          .append(pod.getStatus().getContainerStatuses()).append('\n');
      for (String container : List.of("tether-supervisor", "agent")) {
        String log = cluster.containerLog(ns, pod.getMetadata().getName(), container);
        out.append("--- ").append(container).append(" (last 2,000 characters)\n")
            .append(log.substring(Math.max(0, log.length() - 2000))).append('\n');
      }
    });
    return out.toString();
  }

  /** When the new incarnation's agent started working on the restored context, by its log on the node. */
  private static Optional<Instant> resumedAt(RealCluster cluster, String ns, String name) {
    return cluster.containerLogLines(ns, name + "-2", "agent").stream()
        .filter(l -> l.text().contains("working on steps")).map(PodLogs.Line::time).findFirst();
  }

  private static boolean ready(KubernetesClient client, String ns, String name, long epoch) {
    AgentSessionStatus status = status(client, ns, name);
    if (status.getEpoch() != epoch || status.getPodName() == null) {
      return false;
    }
    var pod = client.pods().inNamespace(ns).withName(status.getPodName()).get();
    return pod != null && ChartOnRealCluster.isReady(pod);
  }

  private static boolean nodeReady(KubernetesClient client, String node) {
    var n = client.nodes().withName(node).get();
    return n != null && n.getStatus().getConditions().stream()
        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  private static AgentSessionStatus status(KubernetesClient client, String ns, String name) {
    AgentSession s = client.resources(AgentSession.class).inNamespace(ns).withName(name).get();
    return s == null || s.getStatus() == null ? new AgentSessionStatus() : s.getStatus();
  }

  private static double seconds(Instant from, Instant to) {
    return Duration.between(from, to).toMillis() / 1000.0;
  }

  void report(Report report) {
    report.heading("6. Recovery on real nodes");
    if (skipped != null) {
      report.line("Skipped: real nodes cannot run on this machine (" + skipped + ").");
      return;
    }
    report.line(String.format("Three real nodes on this machine (kubelet v1.20.2, containerd 1.6, runc; one runs the"
        + " operator and the quick-start etcd from the project's images, installed by `helm install`), the example"
        + " agent from `examples/step-agent-session.yaml` with the injected supervisor, a step every %d ms and a"
        + " checkpoint every 4 steps, its context holding a memory of the given size. Its node is crashed (kubelet,"
        + " containerd and every container killed at once); times from the crash. Detection timeout %d s (the test"
        + " bed's kubelets renew their Lease every 2.5 s). Shared volume: on the test bed's shared disk, mountable"
        + " on every node, so nothing waits for a detach. Node-local volume + object store: a volume pinned to the"
        + " crashed node (gone with it), and the synchronous object-store tier to S3Proxy running as a pod on the"
        + " infra node; the new incarnation restores from there into a fresh volume. %d crashes per row.",
        STEP.toMillis(), detection.toSeconds(), trials));
    report.line("");
    var rows = Report.rows();
    for (var entry : results.entrySet()) {
      List<Trial> trials = entry.getValue();
      rows.add(List.of(entry.getKey(), String.format("%,d", trials.stream().mapToLong(Trial::checkpointBytes).max().orElse(0)),
          range(trials, Trial::detected), range(trials, Trial::restored), range(trials, Trial::resumed)));
    }
    report.table(List.of("context, volume", "checkpoint bytes", "detected (s)", "restored (s)", "agent working again (s)"),
        rows);
    report.line("");
    report.line("Each cell: median (min-max). Restored: the new incarnation's supervisor verified the checkpoint"
        + " (SHA-256 and size) and recorded it; agent working again: the agent read it through the supervisor,"
        + " parsed it and logged its first step.");
  }

  private static String range(List<Trial> trials, java.util.function.ToDoubleFunction<Trial> f) {
    double[] v = trials.stream().mapToDouble(f).filter(d -> !Double.isNaN(d)).sorted().toArray();
    if (v.length == 0) {
      return "not within " + TIMEOUT.toMinutes() + " min";
    }
    if (v.length < trials.size()) {
      return String.format("%.1f (%.1f-%.1f), %d of %d not within %d min", v[v.length / 2], v[0], v[v.length - 1],
          trials.size() - v.length, trials.size(), TIMEOUT.toMinutes());
    }
    return String.format("%.1f (%.1f-%.1f)", v[v.length / 2], v[0], v[v.length - 1]);
  }
}
