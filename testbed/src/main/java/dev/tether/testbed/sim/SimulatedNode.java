package dev.tether.testbed.sim;

import dev.tether.testbed.sim.PodRuntime.RunningPod;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.NodeStatus;
import io.fabric8.kubernetes.api.model.NodeStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A kubelet without containers: registers its Node, heartbeats (Lease and Ready condition), runs the pods bound
 * to it through a {@link PodRuntime} and reports their status, confirms their deletion, and reports mounted
 * ReadWriteOnce volumes in status.volumesInUse. Failure injection turns it into a dead or cut-off machine.
 *
 * <p>All work runs on the node's own thread; the public methods wait for it, so a test sees their effect at once
 * in memory (and, for API writes, as soon as they are made).
 */
public final class SimulatedNode implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SimulatedNode.class);
  static final String NOT_READY_TAINT = "node.kubernetes.io/not-ready";

  private enum State { ALIVE, PARTITIONED, CRASHED }

  private final String name;
  private final Map<String, String> labels;
  private final KubernetesClient client;
  private final ClusterInformers informers;
  private final AttachDetachController attachDetach;
  private final VolumeProvisioner provisioner;
  private final SimulatedCluster.Options options;
  private final PodRuntime runtime;
  private final ReconcileLoop loop;

  private volatile State state = State.ALIVE;
  /** Pods this kubelet runs, by uid (loop thread only). */
  private final Map<String, LocalPod> local = new HashMap<>();
  private List<String> reportedVolumesInUse;

  SimulatedNode(String name, Map<String, String> labels, KubernetesClient client, ClusterInformers informers,
      AttachDetachController attachDetach, VolumeProvisioner provisioner, SimulatedCluster.Options options) {
    this.name = name;
    this.labels = new LinkedHashMap<>(labels);
    this.labels.putIfAbsent("kubernetes.io/hostname", name);
    this.labels.putIfAbsent("kubernetes.io/os", "linux");
    this.labels.putIfAbsent("kubernetes.io/arch", "amd64");
    this.client = client;
    this.informers = informers;
    this.attachDetach = attachDetach;
    this.provisioner = provisioner;
    this.options = options;
    this.runtime = options.runtimeFactory().apply(name);
    this.loop = new ReconcileLoop("sim-node-" + name, this::reconcile);
  }

  public String name() {
    return name;
  }

  /** Whether the machine is up and talking to the control plane. */
  public boolean isHealthy() {
    return state == State.ALIVE;
  }

  void register() {
    Node node = client.nodes().resource(new NodeBuilder()
            .withNewMetadata().withName(name).withLabels(labels).endMetadata()
            .withNewSpec().endSpec()
            .build())
        .forceConflicts().serverSideApply();
    client.nodes().withName(name).editStatus(latest -> {
      latest.setStatus(initialStatus());
      return latest;
    });
    // The node lifecycle controller lifts the not-ready taint that admission puts on every new Node.
    if (node.getSpec().getTaints() != null
        && node.getSpec().getTaints().stream().anyMatch(t -> NOT_READY_TAINT.equals(t.getKey()))) {
      client.nodes().withName(name).edit(latest -> {
        latest.getSpec().setTaints(latest.getSpec().getTaints().stream()
            .filter(t -> !NOT_READY_TAINT.equals(t.getKey())).collect(Collectors.toList()));
        return latest;
      });
    }
    renewLease();
    loop.every(options.heartbeatInterval(), this::heartbeat);
    loop.request();
  }

  /** A dead machine: no heartbeats, no API writes, its pods freeze as they are, its runtimes are killed. */
  public void crash() {
    loop.runAndWait(() -> {
      state = State.CRASHED;
      local.values().forEach(LocalPod::kill);
      local.clear();
      reportedVolumesInUse = null;
    });
  }

  /** A machine cut off from the control plane: no heartbeats or API writes, but its runtimes keep running. */
  public void partition() {
    loop.runAndWait(() -> {
      if (state == State.ALIVE) {
        state = State.PARTITIONED;
      }
    });
  }

  /**
   * Back in touch (after a partition or crash): heartbeats resume, runtimes whose pods were deleted meanwhile are
   * stopped, pending deletions are confirmed, and after a crash the pods still bound here are started again.
   */
  public void heal() {
    loop.runAndWait(() -> {
      state = State.ALIVE;
      reportedVolumesInUse = null;
      heartbeat();
      reconcile();
    });
  }

  public void deleteNodeObject() {
    client.nodes().withName(name).delete();
  }

  public void cordon() {
    setUnschedulable(true);
  }

  public void uncordon() {
    setUnschedulable(false);
  }

  /** Node-pressure eviction: the kubelet stops the pod and marks it Failed with reason Evicted. */
  public void evict(String namespace, String podName) {
    loop.runAndWait(() -> {
      LocalPod pod = localPod(namespace, podName);
      pod.evictionMessage = "The node was low on resource: memory. Container was using more than its request.";
      pod.stop();
      pod.statusWritten = false;
      reconcile();
    });
  }

  /** Ends a pod's work with the exit code, as if its main process exited (for tests without a runtime). */
  public void completePod(String namespace, String podName, int exitCode) {
    loop.runAndWait(() -> {
      LocalPod pod = localPod(namespace, podName);
      pod.exitCode = exitCode;
      pod.stop();
      pod.statusWritten = false;
      reconcile();
    });
  }

  /** Asks for a reconcile pass, e.g. because something the pods wait for changed. */
  void poke() {
    loop.request();
  }

  private LocalPod localPod(String namespace, String podName) {
    Pod pod = informers.podsOn(name).stream()
        .filter(p -> namespace.equals(p.getMetadata().getNamespace()) && podName.equals(p.getMetadata().getName()))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no pod " + namespace + "/" + podName + " on " + name));
    return local.computeIfAbsent(pod.getMetadata().getUid(), uid -> new LocalPod(pod, Pods.now(), List.of()));
  }

  /** A merge patch without a resourceVersion: the node's own status updates never make it conflict. */
  private void setUnschedulable(boolean unschedulable) {
    client.nodes().withName(name).patch(
        PatchContext.of(PatchType.JSON_MERGE),
        "{\"spec\":{\"unschedulable\":" + (unschedulable ? "true" : "null") + "}}");
  }

  // ---- the kubelet's sync loop -----------------------------------------------------------------------------

  private void reconcile() {
    if (state != State.ALIVE) {
      return;
    }
    Map<String, Pod> bound = new HashMap<>();
    for (Pod pod : informers.podsOn(name)) {
      bound.put(pod.getMetadata().getUid(), pod);
    }
    // Pods removed from the API (force-deleted, or deleted while we were away): kill what is left of them.
    local.entrySet().removeIf(entry -> {
      if (!bound.containsKey(entry.getKey())) {
        entry.getValue().stop();
        return true;
      }
      return false;
    });
    List<Pod> deletable = new ArrayList<>();
    for (Pod pod : bound.values()) {
      String uid = pod.getMetadata().getUid();
      LocalPod running = local.get(uid);
      if (Pods.isDeleting(pod)) {
        if (running == null || stoppedForDeletion(pod, running)) {
          local.remove(uid);
          deletable.add(pod);
        }
      } else if (running == null) {
        if (!Pods.isTerminal(pod)) {
          start(pod);
        }
      } else if (!running.statusWritten) {
        writeStatus(pod, running);
      }
    }
    reportVolumesInUse();
    // Confirmed only after the volumes are reported unmounted, as a kubelet does.
    for (Pod pod : deletable) {
      client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
          .withGracePeriod(0).delete();
      LOG.debug("{}: confirmed deletion of {}", name, Pods.key(pod));
    }
  }

  /** Stops the runtime of a pod being deleted; true once it exited or its grace period is over. */
  private boolean stoppedForDeletion(Pod pod, LocalPod running) {
    if (running.runtime == null) {
      return true;
    }
    Instant now = Instant.now();
    if (!running.stopping) {
      running.stopping = true;
      long grace = Objects.requireNonNullElse(pod.getMetadata().getDeletionGracePeriodSeconds(), 30L);
      running.killAt = now.plusSeconds(grace);
      running.runtime.stop();
      loop.requestAfter(Duration.ofSeconds(grace));
      return false;
    }
    if (!now.isBefore(running.killAt)) {
      running.kill();
      running.runtime = null;
      return true;
    }
    return false;
  }

  private void start(Pod pod) {
    String namespace = pod.getMetadata().getNamespace();
    Map<String, Path> volumeDirs = new LinkedHashMap<>();
    for (String claim : Volumes.claimNames(pod)) {
      boolean bound = informers.claim(namespace, claim)
          .flatMap(pvc -> informers.volume(pvc.getSpec().getVolumeName()))
          .isPresent();
      if (!bound) {
        return; // waits for the volume, like ContainerCreating
      }
      volumeDirs.put(claim, provisioner.volumeDir(namespace, claim));
    }
    List<String> attachable = attachDetach.attachableVolumes(pod);
    if (!attachable.stream().allMatch(pv -> attachDetach.isAttached(pv, name))) {
      return; // waits for the attach/detach controller
    }
    LocalPod started = new LocalPod(pod, Pods.now(), attachable);
    local.put(started.uid, started);
    RunningPod running;
    try {
      running = runtime.start(pod, volumeDirs);
    } catch (RuntimeException e) {
      LOG.warn("{}: runtime failed to start {}: {}", name, Pods.key(pod), e.toString());
      started.exitCode = 128;
      writeStatus(pod, started);
      return;
    }
    started.runtime = running;
    started.ready = running.ready().isDone() && !running.ready().isCompletedExceptionally();
    running.ready().thenRun(() -> loop.run(() -> {
      if (local.get(started.uid) == started && started.runtime == running && !started.ready) {
        started.ready = true;
        started.statusWritten = false;
        reconcile();
      }
    }));
    running.exit().whenComplete((code, error) -> loop.run(() -> onExit(started, running, code == null ? 1 : code)));
    writeStatus(pod, started);
    LOG.debug("{}: started {}", name, Pods.key(pod));
  }

  private void onExit(LocalPod pod, RunningPod running, int code) {
    if (local.get(pod.uid) != pod || pod.runtime != running) {
      return; // forgotten (crash, force-deletion) or replaced
    }
    pod.runtime = null;
    if (!pod.stopping && pod.exitCode == null && pod.evictionMessage == null) {
      pod.exitCode = code;
      pod.statusWritten = false;
    }
    reconcile();
  }

  private void writeStatus(Pod pod, LocalPod running) {
    PodStatus status;
    if (running.evictionMessage != null) {
      status = Pods.evicted(pod, running.startTime, running.evictionMessage);
    } else if (running.exitCode != null) {
      status = Pods.terminated(pod, running.startTime, running.exitCode);
    } else {
      status = Pods.running(pod, running.startTime, running.ready);
    }
    try {
      client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
          .editStatus(latest -> {
            latest.setStatus(status);
            return latest;
          });
      running.statusWritten = true;
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
  }

  // ---- heartbeats and node status ---------------------------------------------------------------------------

  private void heartbeat() {
    if (state != State.ALIVE) {
      return;
    }
    renewLease();
    List<String> inUse = volumesInUse();
    try {
      client.nodes().withName(name).editStatus(latest -> {
        NodeStatus status = latest.getStatus();
        List<NodeCondition> conditions = new ArrayList<>(Objects.requireNonNullElse(status.getConditions(), List.of()));
        NodeCondition previous = conditions.stream().filter(c -> "Ready".equals(c.getType())).findFirst().orElse(null);
        conditions.removeIf(c -> "Ready".equals(c.getType()));
        conditions.add(readyCondition(previous));
        status.setConditions(conditions);
        status.setVolumesInUse(inUse);
        return latest;
      });
      reportedVolumesInUse = inUse;
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
      LOG.debug("{}: Node object is gone", name); // a kubelet does not re-register until it restarts
    }
  }

  private void renewLease() {
    var owner = informers.node(name).map(node -> new io.fabric8.kubernetes.api.model.OwnerReferenceBuilder()
        .withApiVersion("v1").withKind("Node").withName(name).withUid(node.getMetadata().getUid()).build());
    var lease = new LeaseBuilder()
        .withNewMetadata()
          .withName(name)
          .withNamespace(ClusterInformers.NODE_LEASE_NAMESPACE)
          .withOwnerReferences(owner.stream().toList())
        .endMetadata()
        .withNewSpec()
          .withHolderIdentity(name)
          .withLeaseDurationSeconds(options.leaseDurationSeconds())
          .withRenewTime(ZonedDateTime.now(ZoneOffset.UTC))
        .endSpec()
        .build();
    client.leases().inNamespace(ClusterInformers.NODE_LEASE_NAMESPACE).resource(lease).forceConflicts().serverSideApply();
  }

  private void reportVolumesInUse() {
    List<String> inUse = volumesInUse();
    if (inUse.equals(reportedVolumesInUse)) {
      return;
    }
    try {
      client.nodes().withName(name).editStatus(latest -> {
        latest.getStatus().setVolumesInUse(inUse);
        return latest;
      });
      reportedVolumesInUse = inUse;
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
  }

  private List<String> volumesInUse() {
    return local.values().stream()
        .filter(pod -> pod.runtime != null)
        .flatMap(pod -> pod.volumes.stream())
        .map(Volumes::inUseName)
        .collect(Collectors.toCollection(TreeSet::new))
        .stream().toList();
  }

  private NodeStatus initialStatus() {
    Map<String, Quantity> capacity = new LinkedHashMap<>();
    options.nodeCapacity().forEach((resource, amount) -> capacity.put(resource, new Quantity(amount)));
    String now = Pods.now();
    return new NodeStatusBuilder()
        .withCapacity(capacity)
        .withAllocatable(capacity)
        .withConditions(
            pressure("MemoryPressure", "KubeletHasSufficientMemory", now),
            pressure("DiskPressure", "KubeletHasNoDiskPressure", now),
            pressure("PIDPressure", "KubeletHasSufficientPID", now),
            readyCondition(null))
        .addNewAddress().withType("InternalIP").withAddress(Pods.LOOPBACK).endAddress()
        .addNewAddress().withType("Hostname").withAddress(name).endAddress()
        .withNewDaemonEndpoints().withNewKubeletEndpoint().withPort(10250).endKubeletEndpoint().endDaemonEndpoints()
        .withNewNodeInfo()
          .withArchitecture("amd64").withOperatingSystem("linux")
          .withKubeletVersion("v1.20.2").withKubeProxyVersion("v1.20.2")
          .withContainerRuntimeVersion("tether-sim://1").withKernelVersion("sim").withOsImage("Tether simulated node")
          .withMachineID(name).withSystemUUID(name).withBootID(name)
        .endNodeInfo()
        .build();
  }

  private static NodeCondition pressure(String type, String reason, String now) {
    return new NodeConditionBuilder().withType(type).withStatus("False").withReason(reason)
        .withLastHeartbeatTime(now).withLastTransitionTime(now).build();
  }

  private static NodeCondition readyCondition(NodeCondition previous) {
    String now = Pods.now();
    boolean wasReady = previous != null && "True".equals(previous.getStatus());
    return new NodeConditionBuilder()
        .withType("Ready").withStatus("True")
        .withReason("KubeletReady").withMessage("kubelet is posting ready status")
        .withLastHeartbeatTime(now)
        .withLastTransitionTime(wasReady && previous.getLastTransitionTime() != null ? previous.getLastTransitionTime() : now)
        .build();
  }

  @Override
  public void close() {
    loop.runAndWait(() -> {
      local.values().forEach(LocalPod::kill);
      local.clear();
    });
    loop.close();
  }

  /** What the kubelet knows about one of its pods. */
  private static final class LocalPod {
    final String uid;
    final String startTime;
    final List<String> volumes;
    RunningPod runtime;
    boolean ready;
    boolean stopping;
    Instant killAt;
    boolean statusWritten;
    Integer exitCode;
    String evictionMessage;

    LocalPod(Pod pod, String startTime, List<String> volumes) {
      this.uid = pod.getMetadata().getUid();
      this.startTime = startTime;
      this.volumes = volumes;
    }

    void stop() {
      if (runtime != null) {
        runtime.stop();
      }
    }

    void kill() {
      if (runtime != null) {
        runtime.kill();
      }
    }
  }
}
