package dev.tether.testbed.real;

import dev.tether.testbed.Binaries;
import dev.tether.testbed.ControlPlane;
import dev.tether.testbed.KubeControllers;
import dev.tether.testbed.Poll;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A whole cluster on this machine with real nodes: the control plane (kube-apiserver, etcd,
 * kube-controller-manager, kube-scheduler), N kubelets each with its own containerd, runc and CNI bridge,
 * kube-proxy, a default StorageClass whose volumes every node can mount, and the project's images loaded
 * into every node. Needs root (kubelets, mounts, iptables) and what {@code hack/install-nodes.sh} and
 * {@code hack/build-images.sh} provide; {@link #unavailableReason()} says what is missing.
 *
 * <p>Node {@code node-1} is the infrastructure node: labelled {@value #INFRA_LABEL} and tainted so that only
 * pods that tolerate {@value #INFRA_TAINT} (the operator, etcd) run there; sessions run on the others.
 */
public final class RealCluster implements AutoCloseable {
  public static final String INFRA_LABEL = "tether.dev/testbed-infra";
  public static final String INFRA_TAINT = "tether.dev/testbed-infra";
  /** Namespaces made by {@link #createNamespace} start with this. */
  public static final String NAMESPACE_PREFIX = "tether-e2e-";
  private static final Path ROOT = Path.of(System.getProperty("tether.realNodes.dir", "/var/lib/tether-testbed"));
  /**
   * Held while a cluster runs: clusters share {@link #ROOT}, the bridge and the iptables chains, and each start
   * kills what it finds of another, so clusters of different test runs on one machine take turns.
   */
  private static final Path LOCK = ROOT.resolveSibling(ROOT.getFileName() + ".lock");
  private static final Duration READY_TIMEOUT = Duration.ofMinutes(3);
  private static final Logger LOG = LoggerFactory.getLogger(RealCluster.class);
  /** System property: a directory where the run's logs are kept when the cluster closes. */
  private static final String LOG_ARCHIVE = "tether.realNodes.logArchive";

  private final List<RealNode> nodes = new ArrayList<>();
  private FileChannel lock;
  private boolean closed;
  private HostNetwork network;
  private ControlPlane plane;
  private KubeControllers controllers;
  private KubeProxy proxy;
  private SharedVolumeProvisioner volumes;
  private LogKeeper logKeeper;

  private RealCluster() {}

  /**
   * Whether tests must fail rather than skip where real nodes cannot run: {@code TETHER_REQUIRE_REAL_NODES=true},
   * set by CI on machines that can run them, so that a broken install step cannot pass as a skip.
   */
  public static boolean required() {
    return Boolean.parseBoolean(System.getenv("TETHER_REQUIRE_REAL_NODES"));
  }

  /** Why real nodes cannot run here, or empty when they can. */
  public static Optional<String> unavailableReason() {
    if (!System.getProperty("os.name", "").toLowerCase().contains("linux")) {
      return Optional.of("real nodes need Linux");
    }
    if (!"0".equals(HostCommand.attempt("id", "-u").output().strip())) {
      return Optional.of("real nodes need root (kubelet, containerd, mounts, iptables)");
    }
    for (String binary : List.of("kubelet", "kube-proxy", "kube-controller-manager", "kube-scheduler")) {
      if (Binaries.find(binary).isEmpty()) {
        return Optional.of(binary + " not built: run hack/install-control-plane.sh");
      }
    }
    for (String tool : List.of("/usr/bin/containerd", "/usr/bin/ctr", "/usr/sbin/runc", "/usr/lib/cni/bridge",
        "/usr/sbin/iptables")) {
      if (!Files.isExecutable(Path.of(tool))) {
        return Optional.of(tool + " missing: run hack/install-nodes.sh");
      }
    }
    if (!Files.isDirectory(Path.of("/sys/fs/cgroup/pids"))) {
      return Optional.of("no cgroup v1 pids hierarchy (the kubelet is set up for cgroupfs v1)");
    }
    Map<String, Path> images = ContainerImages.available();
    for (String ref : ContainerImages.REQUIRED) {
      if (!images.containsKey(ref)) {
        return Optional.of("image " + ref + " not built: run hack/build-images.sh");
      }
    }
    return Optional.empty();
  }

  /** Starts a cluster of {@code nodeCount} real nodes (at least 2: the infrastructure node and one more). */
  public static RealCluster start(int nodeCount) {
    unavailableReason().ifPresent(reason -> {
      throw new IllegalStateException(reason);
    });
    RealCluster cluster = new RealCluster();
    // Kubelets, runtimes and their containers outlive this JVM unless stopped: stop them on any exit too.
    Thread stopOnExit = new Thread(cluster::close, "real-cluster-stop");
    Runtime.getRuntime().addShutdownHook(stopOnExit);
    try {
      cluster.lockMachine();
      cluster.startAll(nodeCount);
      return cluster;
    } catch (RuntimeException | Error e) {
      cluster.close();
      throw e;
    }
  }

  private void lockMachine() {
    FileChannel channel = null;
    try {
      channel = FileChannel.open(LOCK, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      if (channel.tryLock() == null) {
        LOG.info("waiting for another real cluster on this machine to close ({})", LOCK);
        channel.lock();
      }
      lock = channel;
    } catch (IOException e) {
      try {
        if (channel != null) {
          channel.close();
        }
      } catch (IOException ignored) {
        // nothing held
      }
      throw new UncheckedIOException("cannot lock " + LOCK, e);
    }
  }

  private void startAll(int nodeCount) {
    long started = System.nanoTime();
    removeLeftovers();
    network = HostNetwork.create(ControlPlane.SERVICE_CIDR);
    plane = ControlPlane.start(ControlPlane.Options.defaults().forRealNodes(HostNetwork.HOST_ADDRESS));
    plane.installCrd();
    controllers = KubeControllers.start(plane);
    for (int i = 1; i <= nodeCount; i++) {
      nodes.add(new RealNode("node-" + i, i, ROOT.resolve("node-" + i), network));
    }
    if (!System.getProperty(LOG_ARCHIVE, "").isBlank()) {
      logKeeper = new LogKeeper(ROOT.resolve("kept-logs"), nodes);
    }
    // Runtimes start and import images side by side: the imports dominate start-up.
    Map<String, Path> images = ContainerImages.available();
    CompletableFuture.allOf(nodes.stream().map(node -> CompletableFuture.runAsync(() -> {
      node.startRuntime();
      images.values().forEach(node.runtime()::importImage);
    })).toArray(CompletableFuture[]::new)).join();
    LOG.info("runtimes of {} nodes up with {} images after {} ms", nodes.size(), images.size(),
        (System.nanoTime() - started) / 1_000_000);
    for (RealNode node : nodes) {
      List<String> labels = new ArrayList<>(List.of(SharedVolumeProvisioner.NODE_LABEL + "=true"));
      if (node == nodes.get(0)) {
        labels.add(INFRA_LABEL + "=true");
      }
      node.startKubelet(plane.kubeconfigYamlFor("system:node:" + node.name(), "system:nodes"), labels);
    }
    volumes = new SharedVolumeProvisioner(plane.client(), ROOT.resolve("volumes"));
    volumes.start();
    awaitNodesReady();
    // The kubelet may not taint itself at registration in v1.20 (NodeRestriction), so the admin does.
    plane.client().nodes().withName(nodes.get(0).name()).edit(n -> {
      n.getSpec().setTaints(new ArrayList<>(n.getSpec().getTaints() == null ? List.of() : n.getSpec().getTaints()));
      n.getSpec().getTaints().add(new io.fabric8.kubernetes.api.model.TaintBuilder()
          .withKey(INFRA_TAINT).withValue("true").withEffect("NoSchedule").build());
      return n;
    });
    proxy = KubeProxy.start(ROOT.resolve("kube-proxy"),
        plane.kubeconfigYamlFor("system:kube-proxy"), nodes.get(0).name());
    Poll.until("kube-proxy rules for the kubernetes Service", READY_TIMEOUT, proxy::isRunning,
        () -> HostCommand.attempt("iptables-save", "-t", "nat").output()
            .contains(ControlPlane.KUBERNETES_SERVICE_IP + "/32"));
    Poll.until("default ServiceAccount token", READY_TIMEOUT, () -> true,
        () -> plane.client().secrets().inNamespace("default").list().getItems().stream()
            .anyMatch(s -> "kubernetes.io/service-account-token".equals(s.getType())));
    LOG.info("real cluster with {} nodes ready after {} ms", nodes.size(), (System.nanoTime() - started) / 1_000_000);
  }

  private void awaitNodesReady() {
    Poll.until("real nodes Ready", READY_TIMEOUT,
        () -> nodes.stream().allMatch(RealNode::isKubeletRunning),
        () -> nodes.stream().allMatch(node -> isReady(plane.client().nodes().withName(node.name()).get())));
  }

  private static boolean isReady(Node node) {
    return node != null && node.getStatus() != null && node.getStatus().getConditions() != null
        && node.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  public ControlPlane controlPlane() {
    return plane;
  }

  public KubernetesClient client() {
    return plane.client();
  }

  public List<RealNode> nodes() {
    return List.copyOf(nodes);
  }

  public RealNode node(String name) {
    return nodes.stream().filter(n -> n.name().equals(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no real node " + name));
  }

  /** The infrastructure node (operator, etcd); sessions run on the others. */
  public RealNode infraNode() {
    return nodes.get(0);
  }

  /**
   * A container's log as its node keeps it on disk, over all its restarts: readable while the node's kubelet
   * is silent or dead, when {@code kubectl logs} cannot reach it.
   */
  public String containerLog(String namespace, String pod, String container) {
    // A pod runs on one node; its name carries its epoch, so only that node has its logs.
    StringBuilder log = new StringBuilder();
    nodes.forEach(node -> log.append(node.logs().read(namespace, pod, container)));
    return log.toString();
  }

  /** Like {@link #containerLog}, each line with the time the node's runtime recorded it. */
  public List<PodLogs.Line> containerLogLines(String namespace, String pod, String container) {
    List<PodLogs.Line> lines = new ArrayList<>();
    nodes.forEach(node -> lines.addAll(node.logs().lines(namespace, pod, container)));
    return lines;
  }

  /** Creates a namespace {@code tether-e2e-<prefix>-<random>}. */
  public String createNamespace(String prefix) {
    return client().namespaces().resource(new NamespaceBuilder().withNewMetadata()
        .withGenerateName(NAMESPACE_PREFIX + prefix + "-").endMetadata().build()).create().getMetadata().getName();
  }

  /** Kills everything a killed earlier run may have left: processes, container processes, mounts, files. */
  private static void removeLeftovers() {
    HostCommand.attempt("pkill", "-9", "-f", ROOT + "/");
    for (String hierarchyRoot : List.of("/sys/fs/cgroup/pids")) {
      try (var dirs = Files.list(Path.of(hierarchyRoot))) {
        dirs.filter(d -> d.getFileName().toString().startsWith(Kubelet.CGROUP_PREFIX))
            .forEach(d -> Kubelet.killCgroupTree(d));
      } catch (IOException ignored) {
        // no hierarchy
      }
    }
    unmountUnder(ROOT);
    deleteStrayNetworkNamespaces();
    deleteTree(ROOT);
  }

  private static void unmountUnder(Path dir) {
    try {
      List<String> mounts = Files.readAllLines(Path.of("/proc/self/mounts")).stream()
          .map(line -> line.split(" ")[1].replace("\\040", " "))
          .filter(target -> target.startsWith(dir + "/"))
          .sorted(Comparator.comparing(String::length).reversed())
          .toList();
      for (String target : mounts) {
        HostCommand.attempt("umount", "-l", target);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Pod network namespaces whose pods were killed with their node and never torn down by CNI. */
  private static void deleteStrayNetworkNamespaces() {
    for (String line : HostCommand.attempt("ip", "netns", "list").output().split("\n")) {
      String name = line.split(" ")[0].trim();
      if (name.startsWith("cni-")
          && HostCommand.attempt("ip", "-n", name, "-4", "addr", "show").output().contains("inet 10.213.")) {
        HostCommand.attempt("ip", "netns", "delete", name);
      }
    }
  }

  private static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (var files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      LOG.warn("cannot remove {}: {}", dir, e.toString());
    }
  }

  /**
   * Keeps what the run logged (every container the nodes ran, deleted pods included, and each node's kubelet
   * and containerd) under {@code -Dtether.realNodes.logArchive}, if set: the only record of what happened on a
   * node once the cluster is gone.
   */
  private void archiveLogs() {
    if (logKeeper == null) {
      return;
    }
    logKeeper.close();
    Path target = Path.of(System.getProperty(LOG_ARCHIVE));
    logKeeper.copyTo(target);
    for (RealNode node : nodes) {
      for (String log : List.of("kubelet.log", "containerd.log")) {
        Path file = node.dir().resolve(log);
        if (Files.isRegularFile(file)) {
          try {
            Files.createDirectories(target.resolve(node.name()));
            Files.copy(file, target.resolve(node.name()).resolve(log),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
          } catch (IOException e) {
            LOG.warn("cannot keep {}: {}", file, e.toString());
          }
        }
      }
    }
    LOG.info("logs of the real nodes kept in {}", target);
  }

  /** Stops everything; idempotent (also run by a shutdown hook). */
  @Override
  public synchronized void close() {
    if (lock == null || closed) {
      return; // never started (what is on this machine belongs to another cluster), or stopped already
    }
    closed = true;
    if (volumes != null) {
      volumes.close();
    }
    if (proxy != null) {
      proxy.close();
    }
    nodes.forEach(RealNode::stop);
    if (controllers != null) {
      controllers.close();
    }
    if (plane != null) {
      plane.close();
    }
    archiveLogs();
    removeLeftovers();
    if (network != null) {
      network.close();
    }
    try {
      lock.close();
    } catch (IOException e) {
      LOG.warn("cannot release {}: {}", LOCK, e.toString());
    }
  }
}
