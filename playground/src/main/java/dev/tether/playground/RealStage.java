package dev.tether.playground;

import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.ObjectStoreSpec;
import dev.tether.testbed.real.ObjectStorePod;
import dev.tether.install.ChartOnRealCluster;
import dev.tether.store.ContextStore;
import dev.tether.store.SessionKey;
import dev.tether.store.StoreConfig;
import dev.tether.testbed.real.RealCluster;
import dev.tether.testbed.real.RealNode;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Real nodes on this machine (kubelets with their own containerd and runc, {@link RealCluster}) with Tether
 * installed by its Helm chart: the operator and the quick-start etcd run from the project's images on the
 * first node, sessions run {@code examples/step-agent-session.yaml} (the example agent and the injected
 * supervisor) on the others. The agents' progress is read from their logs on the nodes' disks.
 */
final class RealStage implements Stage {
  private static final String CREDENTIALS = "s3-creds";
  private final RealCluster cluster;
  private final ChartOnRealCluster release;
  private final ContextStore store;
  private final AgentLogs logs;

  private RealStage(RealCluster cluster, ChartOnRealCluster release) {
    this.cluster = cluster;
    this.release = release;
    // From this machine, the quick-start etcd's Service IP is reachable through kube-proxy's rules.
    this.store = ContextStore.connect(StoreConfig.of("http://" + ChartOnRealCluster.ETCD_SERVICE_IP + ":2379"));
    this.logs = new AgentLogs(cluster);
  }

  /** Why real nodes cannot run here, or empty when they can. */
  static Optional<String> unavailableReason() {
    return RealCluster.unavailableReason();
  }

  static RealStage start(int nodes) {
    RealCluster cluster = RealCluster.start(nodes);
    try {
      return new RealStage(cluster, ChartOnRealCluster.install(cluster));
    } catch (RuntimeException | Error e) {
      cluster.close();
      throw e;
    }
  }

  @Override
  public String describe() {
    return cluster.nodes().size() + " real nodes (kubelet + containerd + runc) on a real control plane, and Tether"
        + " installed by its Helm chart: operator (2 replicas) and quick-start etcd on " + cluster.infraNode().name()
        + ", sessions on the others";
  }

  @Override
  public KubernetesClient client() {
    return cluster.client();
  }

  @Override
  public Path kubeconfigFile() {
    return cluster.controlPlane().kubeconfigFile();
  }

  @Override
  public String createNamespace() {
    return cluster.createNamespace("playground");
  }

  @Override
  public AgentSession session(String namespace, String name, int steps, int stepMillis, int checkpointEvery) {
    Path file = release.chart().repoRoot().resolve("examples/step-agent-session.yaml");
    AgentSession session;
    try {
      session = client().getKubernetesSerialization().unmarshal(Files.readString(file), AgentSession.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    session.getMetadata().setName(name);
    session.getMetadata().setNamespace(namespace);
    var agent = session.getSpec().getTemplate().getSpec().getContainers().get(0);
    Map<String, String> pace = Map.of("AGENT_STEPS", Integer.toString(steps),
        "AGENT_STEP_MILLIS", Integer.toString(stepMillis), "AGENT_CHECKPOINT_EVERY", Integer.toString(checkpointEvery));
    List<EnvVar> env = agent.getEnv();
    env.forEach(e -> e.setValue(pace.getOrDefault(e.getName(), e.getValue())));
    agent.setImagePullPolicy("Never"); // the images were imported into every node
    session.getSpec().getFailover().setDetectionTimeout("10s");
    session.getSpec().getFailover().setInitialBackoff("1s");
    return session;
  }

  @Override
  public void inject(Failure failure, String nodeName) {
    RealNode node = cluster.node(nodeName);
    switch (failure) {
      case crash -> node.crash();
      case partition -> node.partition();
      case delete_node -> {
        node.crash();
        client().nodes().withName(nodeName).delete();
      }
      case drain -> client().nodes().withName(nodeName).edit(n -> {
        n.getSpec().setUnschedulable(true); // kubectl cordon: the operator moves the session
        return n;
      });
    }
  }

  @Override
  public void follow(Consumer<AgentJournal.Entry> follower) {
    logs.follow(follower);
  }

  @Override
  public Optional<Integer> repeatedSteps(String namespace, String session) {
    return Optional.empty(); // the agent logs its checkpoints, not every step
  }

  @Override
  public Optional<String> problem(String namespace, String session, int steps) {
    return ContextCheck.problem(store, SessionKey.of(namespace, session), volumeDir(namespace, session), steps);
  }

  /** The session volume's directory on this machine: the test bed's volumes are local directories. */
  private Path volumeDir(String namespace, String session) {
    var claim = client().persistentVolumeClaims().inNamespace(namespace).withName(SimulatedStage.claimName(client(), namespace, session)).get();
    var volume = client().persistentVolumes().withName(claim.getSpec().getVolumeName()).get();
    return Path.of(volume.getSpec().getLocal().getPath());
  }

  @Override
  public ObjectStoreSpec objectStore(String namespace) {
    ObjectStoreSpec tier = new ObjectStoreSpec();
    tier.setEndpoint(ObjectStorePod.start(cluster, cluster.createNamespace("object-store")));
    tier.setBucket(ObjectStorePod.BUCKET);
    tier.setPrefix("playground");
    tier.setCredentialsSecret(CREDENTIALS);
    client().resource(dev.tether.testbed.ObjectStoreServer.credentialsSecret(namespace, CREDENTIALS)).create();
    return tier;
  }

  @Override
  public void close() {
    logs.close();
    store.close();
    cluster.close();
  }
}
