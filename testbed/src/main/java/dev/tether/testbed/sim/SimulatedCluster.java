package dev.tether.testbed.sim;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * What a control plane without controller-manager, scheduler and kubelets lacks, played by our own code against
 * the real API: simulated nodes (kubelets), a scheduler, a volume provisioner and attach/detach.
 *
 * <pre>{@code
 * try (var cluster = SimulatedCluster.start(client, dir, SimulatedCluster.Options.defaults())) {
 *   SimulatedNode node = cluster.addNode("node-a", Map.of("zone", "a"));
 *   ...
 *   node.crash();
 * }
 * }</pre>
 */
public final class SimulatedCluster implements AutoCloseable {
  private final KubernetesClient client;
  private final Options options;
  private final ClusterInformers informers;
  private final MiniScheduler scheduler;
  private final VolumeProvisioner provisioner;
  private final AttachDetachController attachDetach;
  private final Map<String, SimulatedNode> nodes = new ConcurrentHashMap<>();

  /** How the simulated nodes behave. */
  public record Options(
      Duration heartbeatInterval,
      int leaseDurationSeconds,
      Map<String, String> nodeCapacity,
      Function<String, PodRuntime> runtimeFactory,
      Duration forceDetachAfter) {

    public Options {
      Objects.requireNonNull(heartbeatInterval);
      nodeCapacity = Map.copyOf(nodeCapacity);
      Objects.requireNonNull(runtimeFactory);
      Objects.requireNonNull(forceDetachAfter);
    }

    /**
     * Heartbeat every 2 s, 40 s leases, 8 cpu / 32Gi / 250 pods per node, idle pods, force detach after 6 min
     * (kube-controller-manager's maxWaitForUnmountDuration).
     */
    public static Options defaults() {
      return new Options(Duration.ofSeconds(2), 40, Map.of("cpu", "8", "memory", "32Gi", "pods", "250"),
          node -> PodRuntime.idle(), Duration.ofMinutes(6));
    }

    public Options withHeartbeatInterval(Duration interval) {
      return new Options(interval, leaseDurationSeconds, nodeCapacity, runtimeFactory, forceDetachAfter);
    }

    public Options withLeaseDurationSeconds(int seconds) {
      return new Options(heartbeatInterval, seconds, nodeCapacity, runtimeFactory, forceDetachAfter);
    }

    public Options withNodeCapacity(Map<String, String> capacity) {
      return new Options(heartbeatInterval, leaseDurationSeconds, capacity, runtimeFactory, forceDetachAfter);
    }

    /** The runtime each node uses, by node name. */
    public Options withRuntime(Function<String, PodRuntime> factory) {
      return new Options(heartbeatInterval, leaseDurationSeconds, nodeCapacity, factory, forceDetachAfter);
    }

    public Options withForceDetachAfter(Duration after) {
      return new Options(heartbeatInterval, leaseDurationSeconds, nodeCapacity, runtimeFactory, after);
    }
  }

  private SimulatedCluster(KubernetesClient client, Path rootDir, Options options) {
    this.client = client;
    this.options = options;
    this.informers = new ClusterInformers(client);
    this.scheduler = new MiniScheduler(client, informers);
    this.provisioner = new VolumeProvisioner(client, informers, rootDir.resolve("volumes"));
    this.attachDetach = new AttachDetachController(client, informers, options.forceDetachAfter());
    // Kubelets learn about their pods and the volumes they wait for through the same watches.
    informers.pods.addEventHandler(ClusterInformers.onChange(this::pokeNodeOf));
    informers.claims.addEventHandler(ClusterInformers.onChange(claim -> pokeAllNodes()));
    informers.volumes.addEventHandler(ClusterInformers.onChange(pv -> pokeAllNodes()));
    informers.attachments.addEventHandler(ClusterInformers.onChange(va -> pokeAllNodes()));
  }

  public static SimulatedCluster start(KubernetesClient client, Path rootDir, Options options) {
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata()
        .withName(ClusterInformers.NODE_LEASE_NAMESPACE).endMetadata().build()).serverSideApply();
    var cluster = new SimulatedCluster(client, rootDir, options);
    try {
      cluster.informers.start();
      cluster.provisioner.start();
      cluster.attachDetach.start();
      cluster.scheduler.start();
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  /** Registers a new node and starts its kubelet; returns once the Node is Ready with a fresh Lease. */
  public SimulatedNode addNode(String name, Map<String, String> labels) {
    var node = new SimulatedNode(name, labels, client, informers, attachDetach, provisioner, options);
    if (nodes.putIfAbsent(name, node) != null) {
      throw new IllegalArgumentException("node exists: " + name);
    }
    node.register();
    return node;
  }

  public SimulatedNode node(String name) {
    SimulatedNode node = nodes.get(name);
    if (node == null) {
      throw new IllegalArgumentException("no simulated node " + name);
    }
    return node;
  }

  public Collection<SimulatedNode> nodes() {
    return List.copyOf(nodes.values());
  }

  /** The local directory backing a PersistentVolumeClaim; it outlives node crashes, like network storage. */
  public Path volumeDir(String namespace, String claimName) {
    return provisioner.volumeDir(namespace, claimName);
  }

  public MiniScheduler scheduler() {
    return scheduler;
  }

  public VolumeProvisioner provisioner() {
    return provisioner;
  }

  public AttachDetachController attachDetach() {
    return attachDetach;
  }

  private void pokeNodeOf(Pod pod) {
    String nodeName = pod.getSpec().getNodeName();
    SimulatedNode node = nodeName == null ? null : nodes.get(nodeName);
    if (node != null) {
      node.poke();
    }
  }

  private void pokeAllNodes() {
    nodes.values().forEach(SimulatedNode::poke);
  }

  /** Stops every simulated component (node runtimes are killed); the API objects stay as they are. */
  @Override
  public void close() {
    nodes.values().forEach(SimulatedNode::close);
    scheduler.close();
    attachDetach.close();
    provisioner.close();
    informers.close();
  }
}
