package dev.tether.testbed.real;

import java.nio.file.Path;
import java.util.List;

/**
 * A real Kubernetes node on this machine: a kubelet with its own containerd, runc and CNI bridge, running
 * real containers from the images loaded into it. Failures are real too: {@link #crash()} kills the kubelet,
 * the runtime and every container, {@link #partition()} silences the kubelet and cuts the node's pods off
 * from the rest while they keep running.
 */
public final class RealNode {
  private final String name;
  private final int index;
  private final Path dir;
  private final HostNetwork network;
  private final NodeRuntime runtime;
  private final Kubelet kubelet;
  private String kubeconfigYaml;
  private List<String> labels = List.of();

  RealNode(String name, int index, Path dir, HostNetwork network) {
    this.name = name;
    this.index = index;
    this.dir = dir;
    this.network = network;
    this.runtime = new NodeRuntime(dir, index);
    this.kubelet = new Kubelet(name, HostNetwork.nodeAddress(index), dir, runtime.socket());
  }

  public String name() {
    return name;
  }

  /** The node's own address (its InternalIP). */
  public String address() {
    return HostNetwork.nodeAddress(index);
  }

  /** The subnet its pods get addresses from. */
  public String podSubnet() {
    return HostNetwork.podSubnet(index);
  }

  void startRuntime() {
    network.addNode(index);
    runtime.start();
  }

  NodeRuntime runtime() {
    return runtime;
  }

  void startKubelet(String kubeconfigYaml, List<String> labels) {
    this.kubeconfigYaml = kubeconfigYaml;
    this.labels = List.copyOf(labels);
    kubelet.start(kubeconfigYaml, labels, runtime.mountNamespace());
  }

  /** Boots the node again after a {@link #crash()}: runtime and kubelet start with the state they had on disk. */
  public void restart() {
    if (kubelet.isRunning()) {
      throw new IllegalStateException(name + " is running");
    }
    runtime.start();
    kubelet.start(kubeconfigYaml, labels, runtime.mountNamespace());
  }

  public boolean isKubeletRunning() {
    return kubelet.isRunning();
  }

  /** Power loss: kubelet, containerd, shims and every container of the node are killed at once. */
  public void crash() {
    kubelet.kill();
    kubelet.killContainers();
    runtime.kill();
    kubelet.killContainers();
  }

  /**
   * A partition: the kubelet stops (so the node stops heartbeating and nobody stops its pods) and the
   * node's pods can reach nothing off the node (apiserver, etcd, other nodes), while they keep running.
   */
  public void partition() {
    kubelet.pause();
    network.cut(index);
  }

  /** Reconnects the node's pods; the kubelet stays silent until {@link #resumeKubelet()}. */
  public void healNetwork() {
    network.heal(index);
  }

  /** The kubelet carries on where it stopped: it finds its pods deleted and stops their containers. */
  public void resumeKubelet() {
    kubelet.resume();
  }

  void stop() {
    kubelet.stop();
    kubelet.killContainers();
    runtime.kill();
    kubelet.killContainers();
    kubelet.removeCgroups();
  }

  Path dir() {
    return dir;
  }

  /** The node's container logs, readable while its kubelet is silent or dead. */
  PodLogs logs() {
    return runtime.logs();
  }

  @Override
  public String toString() {
    return name + " (" + address() + ", pods " + podSubnet() + ")";
  }
}
