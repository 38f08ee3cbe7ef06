package dev.tether.operator;

import static org.awaitility.Awaitility.await;

import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.SessionPhase;
import dev.tether.operator.validation.SessionLimits;
import dev.tether.testbed.ControlPlane;
import dev.tether.testbed.Namespaces;
import dev.tether.testbed.SharedControlPlane;
import dev.tether.testbed.sim.SimulatedCluster;
import dev.tether.testbed.sim.SimulatedNode;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * The shared test bed for operator integration tests: one real control plane and one simulated cluster per
 * JVM, one operator that tests may stop and start. Each test gets its own namespace and its own pool of
 * nodes (a label its sessions select), so a node a test crashes cannot affect another test.
 */
public final class OperatorTestBed {
  public static final Duration TIMEOUT = Duration.ofSeconds(60);
  public static final String POOL_LABEL = "tether.dev/test-pool";
  /** Short, so failover tests finish quickly; the test-bed nodes heartbeat every second. */
  public static final String DETECTION_TIMEOUT = "4s";

  private static OperatorTestBed instance;

  private final ControlPlane controlPlane;
  private final SimulatedCluster cluster;
  private final ReconcileCounter reconciles = new ReconcileCounter();
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final LiveRuntimes runtimes = new LiveRuntimes();
  private final java.util.Set<String> removed = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private OperatorSettings settings;
  private TetherOperator operator;

  private OperatorTestBed() {
    controlPlane = SharedControlPlane.get();
    try {
      cluster = SimulatedCluster.start(controlPlane.client(), Files.createTempDirectory("tether-cluster-"),
          SimulatedCluster.Options.defaults().withHeartbeatInterval(Duration.ofSeconds(1))
              .withRuntime(runtimes::forNode));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    settings = defaultSettings();
    startOperator();
    // Shutdown hooks run in parallel: the control plane may already be gone, and closing the simulated
    // nodes then waits on each node's retries. Give the orderly stop a few seconds, no more.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      Thread stop = new Thread(() -> {
        stopOperator();
        cluster.close();
      }, "operator-test-bed-stop");
      stop.setDaemon(true);
      stop.start();
      try {
        stop.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }));
  }

  /**
   * Detection after 4 s; the operator may taint failed nodes out-of-service (used only by sessions that ask
   * for fencing OutOfServiceTaint) but never deletes VolumeAttachments. Volume detach timeouts of a few
   * seconds are allowed: the simulated world runs in compressed time.
   */
  public static OperatorSettings defaultSettings() {
    Duration detection = Duration.ofSeconds(4);
    return OperatorSettings.defaults().withDetectionTimeout(detection).withFencingPermissions(true, false)
        .withLimits(SessionLimits.fromEnv(Map.of("TETHER_VOLUME_DETACH_TIMEOUT_MIN", "0s"), detection));
  }

  public static synchronized OperatorTestBed get() {
    if (instance == null) {
      instance = new OperatorTestBed();
    }
    return instance;
  }

  public KubernetesClient client() {
    return controlPlane.client();
  }

  public ControlPlane controlPlane() {
    return controlPlane;
  }

  public SimulatedCluster cluster() {
    return cluster;
  }

  /** The operator's tether_* metrics. */
  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** Which pods the simulated nodes really run. */
  public LiveRuntimes runtimes() {
    return runtimes;
  }

  public ReconcileCounter reconciles() {
    return reconciles;
  }

  public synchronized TetherOperator operator() {
    return operator;
  }

  public synchronized void startOperator() {
    if (operator == null) {
      operator = TetherOperator.builder(controlPlane.newClient()).settings(settings).metrics(reconciles)
          .meterRegistry(registry).start();
    }
  }

  public synchronized void stopOperator() {
    if (operator != null) {
      operator.close();
      operator = null;
    }
  }

  /** Restarts the operator with other settings (e.g. a lower mass-failure threshold). */
  public synchronized void restartOperator(OperatorSettings newSettings) {
    stopOperator();
    settings = newSettings;
    startOperator();
  }

  public synchronized OperatorSettings settings() {
    return settings;
  }

  public String newNamespace() {
    return Namespaces.create(client(), "t");
  }

  public String newPool() {
    return "p" + UUID.randomUUID().toString().substring(0, 6);
  }

  public SimulatedNode addNode(String pool, String name) {
    return cluster.addNode(pool + "-" + name, Map.of(POOL_LABEL, pool));
  }

  /**
   * Takes a node out of the cluster for good: its kubelet stops and its Node object is deleted (so its
   * attachments go too). For tests that count nodes, e.g. the mass-failure guard.
   */
  public void removeNode(SimulatedNode node) {
    if (removed.add(node.name())) {
      node.close();
      node.deleteNodeObject();
    }
  }

  /** Removes the nodes earlier tests crashed or cut off, so that they no longer count as failed nodes. */
  public void removeUnhealthyNodes() {
    cluster.nodes().stream().filter(n -> !n.isHealthy() && !removed.contains(n.name())).forEach(this::removeNode);
  }

  /** A session whose pods may only run on the nodes of this pool. */
  public AgentSession session(String namespace, String name, String pool) {
    AgentSession s = Sessions.agent(namespace, name);
    s.getSpec().getTemplate().getSpec().setNodeSelector(Map.of(POOL_LABEL, pool));
    s.getSpec().getFailover().setDetectionTimeout(DETECTION_TIMEOUT);
    return s;
  }

  public AgentSession create(AgentSession session) {
    return client().resource(session).create();
  }

  public AgentSession get(String namespace, String name) {
    return client().resources(AgentSession.class).inNamespace(namespace).withName(name).get();
  }

  public AgentSession awaitSession(String namespace, String name, Predicate<AgentSession> condition) {
    return await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(200))
        .until(() -> get(namespace, name), s -> s != null && s.getStatus() != null && condition.test(s));
  }

  public AgentSession awaitPhase(String namespace, String name, SessionPhase phase) {
    return awaitSession(namespace, name, s -> s.getStatus().getPhase() == phase);
  }

  public AgentSession awaitRunning(String namespace, String name, long epoch) {
    return awaitSession(namespace, name, s -> s.getStatus().getPhase() == SessionPhase.Running
        && s.getStatus().getEpoch() == epoch);
  }

  public List<Pod> pods(String namespace, String session) {
    return client().pods().inNamespace(namespace).withLabel("tether.dev/session", session).list().getItems();
  }

  /** Waits until the operator finished at least one more pass over the session than it had. */
  public void awaitAnotherReconcile(String namespace, String name, Runnable trigger) {
    long before = reconciles.count(namespace, name);
    trigger.run();
    await().atMost(TIMEOUT).until(() -> reconciles.count(namespace, name) > before);
  }
}
