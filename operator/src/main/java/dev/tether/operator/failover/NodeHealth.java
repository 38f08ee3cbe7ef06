package dev.tether.operator.failover;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * Judges a node from its Node object and its heartbeat Lease in kube-node-lease. A node is failed when
 * its Node object is gone, or its Lease was not renewed for the detection timeout (by the clock and
 * relative to the newest heartbeat of any node), or its Ready condition has not been True for that long,
 * or it carries the out-of-service taint (checked in this order). A node that renews again before the
 * timeout was never failed: flapping causes no migration. A node alone in the cluster is never failed by
 * silence alone: nothing tells its death from the operator losing sight of it.
 *
 * <p>Silence is measured on the operator's own clock: a heartbeat counts from the moment the operator first
 * saw its new value, not from the time the kubelet wrote into it. A kubelet whose clock runs behind would
 * otherwise look silent early (and one running ahead, late).
 */
public final class NodeHealth {
  public static final String OUT_OF_SERVICE_TAINT = "node.kubernetes.io/out-of-service";

  private final Function<String, Node> nodes;
  private final Function<String, Lease> leases;
  /** When the operator last saw any node's heartbeat change: up to when its view of the cluster reaches. */
  private final AtomicReference<Instant> newestHeartbeat = new AtomicReference<>(Instant.MIN);
  /** Per node, the heartbeat value last seen and when (operator's clock) it was first seen. */
  private final Map<String, Observed> observed = new ConcurrentHashMap<>();

  private record Observed(Instant heartbeat, Instant seenAt) {}
  /** The last moment the operator could not watch Nodes or Leases; silence before it proves nothing. */
  private final AtomicReference<Instant> blindAt = new AtomicReference<>(Instant.MIN);

  public NodeHealth(Function<String, Node> nodes, Function<String, Lease> leases) {
    this.nodes = nodes;
    this.leases = leases;
  }

  public Optional<NodeFailure> failure(String nodeName, Duration timeout, Instant now) {
    if (nodeName == null) {
      return Optional.empty();
    }
    Node node = nodes.apply(nodeName);
    if (node == null) {
      return Optional.of(new NodeFailure(nodeName, NodeFailure.Reason.NodeDeleted, now,
          "node " + nodeName + " was deleted"));
    }
    Instant heartbeat = lastHeartbeat(nodeName, now).orElse(null);
    Instant lastSeen = heartbeat == null || heartbeat.isAfter(blindAt.get()) ? heartbeat : blindAt.get();
    // Silent for the timeout by the clock, and also while other nodes were heard from: when the operator's
    // own view stalls (apiserver down, watch cut), every Lease freezes and no node crosses this line.
    if (lastSeen != null && lastSeen.plus(timeout).isBefore(now) && lastSeen.plus(timeout).isBefore(newestHeartbeat.get())) {
      return Optional.of(new NodeFailure(nodeName, NodeFailure.Reason.NodeFailed, lastSeen,
          "node " + nodeName + " has not renewed its heartbeat for " + Duration.between(lastSeen, now).toSeconds()
              + "s (timeout " + timeout.toSeconds() + "s)"));
    }
    NodeCondition ready = readyCondition(node);
    if (ready != null && !"True".equals(ready.getStatus()) && ready.getLastTransitionTime() != null) {
      Instant since = Instant.parse(ready.getLastTransitionTime());
      if (since.plus(timeout).isBefore(now)) {
        return Optional.of(new NodeFailure(nodeName, NodeFailure.Reason.NodeFailed, since,
            "node " + nodeName + " has been Ready=" + ready.getStatus() + " since " + ready.getLastTransitionTime()));
      }
    }
    // After the heartbeat checks: a dead node that the operator itself tainted stays NodeFailed for all its
    // sessions, instead of NodeFailed for the first and NodeOutOfService for the rest.
    if (node.getSpec() != null && node.getSpec().getTaints() != null && node.getSpec().getTaints().stream()
        .anyMatch(t -> OUT_OF_SERVICE_TAINT.equals(t.getKey()))) {
      return Optional.of(new NodeFailure(nodeName, NodeFailure.Reason.NodeOutOfService, now,
          "node " + nodeName + " is tainted " + OUT_OF_SERVICE_TAINT));
    }
    return Optional.empty();
  }

  /**
   * When the operator first saw the node's newest sign of life (Lease renewal, else the Ready condition's
   * heartbeat). Also advances the newest heartbeat of the cluster; the failure detector asks about every node
   * twice a second, so a renewal is seen within half a second of reaching the operator's cache.
   */
  Optional<Instant> lastHeartbeat(String nodeName, Instant now) {
    Optional<Instant> beat = heartbeatOf(nodeName);
    if (beat.isEmpty()) {
      return Optional.empty();
    }
    Observed seen = observed.compute(nodeName, (name, before) ->
        before != null && before.heartbeat().equals(beat.get()) ? before : new Observed(beat.get(), now));
    newestHeartbeat.accumulateAndGet(seen.seenAt(), (a, b) -> a.isAfter(b) ? a : b);
    return Optional.of(seen.seenAt());
  }

  private Optional<Instant> heartbeatOf(String nodeName) {
    Lease lease = leases.apply(nodeName);
    if (lease != null && lease.getSpec() != null && lease.getSpec().getRenewTime() != null) {
      return Optional.of(lease.getSpec().getRenewTime().toInstant());
    }
    Node node = nodes.apply(nodeName);
    NodeCondition ready = node == null ? null : readyCondition(node);
    if (ready != null && ready.getLastHeartbeatTime() != null) {
      return Optional.of(Instant.parse(ready.getLastHeartbeatTime()));
    }
    return Optional.empty();
  }

  /** The operator's watches are down right now (apiserver restart, network): count no silence before now. */
  public void blind(Instant now) {
    blindAt.accumulateAndGet(now, (a, b) -> a.isAfter(b) ? a : b);
  }

  /** Taints by which node autoscalers announce that they are about to remove the node. */
  private static final Map<String, String> REMOVAL_TAINTS = Map.of(
      "ToBeDeletedByClusterAutoscaler", "the cluster autoscaler is removing it",
      "karpenter.sh/disrupted", "Karpenter is disrupting it",
      "karpenter.sh/disruption", "Karpenter is disrupting it");

  /**
   * Why the node is about to go away in a planned way, if it is: cordoned (kubectl drain), or tainted by the
   * cluster autoscaler or Karpenter before they remove it. Its sessions then move with a final checkpoint.
   */
  public Optional<String> disruption(String nodeName) {
    Node node = nodes.apply(nodeName);
    if (node == null || node.getSpec() == null) {
      return Optional.empty();
    }
    if (Boolean.TRUE.equals(node.getSpec().getUnschedulable())) {
      return Optional.of("node " + nodeName + " was cordoned");
    }
    return node.getSpec().getTaints() == null ? Optional.empty() : node.getSpec().getTaints().stream()
        .filter(t -> REMOVAL_TAINTS.containsKey(t.getKey())).findFirst()
        .map(t -> "node " + nodeName + " is tainted " + t.getKey() + ": " + REMOVAL_TAINTS.get(t.getKey()));
  }

  public boolean exists(String nodeName) {
    return nodes.apply(nodeName) != null;
  }

  static NodeCondition readyCondition(Node node) {
    if (node.getStatus() == null || node.getStatus().getConditions() == null) {
      return null;
    }
    return node.getStatus().getConditions().stream().filter(c -> "Ready".equals(c.getType())).findFirst().orElse(null);
  }
}
