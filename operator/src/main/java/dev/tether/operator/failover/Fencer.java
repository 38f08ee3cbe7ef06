package dev.tether.operator.failover;

import dev.tether.api.v1alpha1.FailoverSpec.FencingPolicy;
import dev.tether.operator.pod.PodView;
import dev.tether.operator.pod.PodWriter;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The one place that makes an old incarnation unable to run before a new one starts. On a failed node the
 * kubelet cannot confirm anything, so the policy decides: ForceDelete removes the pod object,
 * OutOfServiceTaint first taints the node so Kubernetes also force-detaches its volumes, Manual waits for
 * an administrator to delete the pod, delete the Node or taint it out-of-service. On a healthy node the kubelet stops the pod and confirms; we only wait.
 */
public final class Fencer {
  private final KubernetesClient client;
  private final PodWriter pods;
  private final boolean mayTaintNodes;
  /** The node's failure by the operator-wide timeout: a taint acts on every pod of the node, not one session's. */
  private final Function<String, Optional<NodeFailure>> nodeWideFailure;

  public Fencer(KubernetesClient client, PodWriter pods, boolean mayTaintNodes,
      Function<String, Optional<NodeFailure>> nodeWideFailure) {
    this.client = client;
    this.pods = pods;
    this.mayTaintNodes = mayTaintNodes;
    this.nodeWideFailure = nodeWideFailure;
  }

  public FenceResult fence(Pod old, FencingPolicy policy, Optional<NodeFailure> nodeFailure) {
    if (old == null) {
      return FenceResult.done();
    }
    String podName = old.getMetadata().getName();
    if (nodeFailure.isPresent()) {
      NodeFailure failure = nodeFailure.get();
      switch (policy) {
        case Manual:
          if (failure.reason() == NodeFailure.Reason.NodeFailed && !taintedOutOfService(failure.node())) {
            return FenceResult.waiting("fencing policy Manual: waiting for an administrator to delete pod " + podName
                + " or node " + failure.node() + " (" + failure.message() + ")");
          }
          // A deleted Node object or an out-of-service taint is the administrator's word that the machine
          // is down: what Manual waits for.
          pods.forceDelete(old);
          return FenceResult.done();
        case OutOfServiceTaint:
          if (failure.reason() != NodeFailure.Reason.NodeDeleted && !taintedOutOfService(failure.node())) {
            if (!mayTaintNodes) {
              return FenceResult.waiting("fencing policy OutOfServiceTaint needs permission to patch nodes "
                  + "(Helm value fencing.allowOutOfServiceTaint=true); waiting for an administrator to delete pod "
                  + podName + " or taint node " + failure.node());
            }
            if (nodeWideFailure.apply(failure.node()).isEmpty()) {
              return FenceResult.waiting("node " + failure.node() + " looks failed by this session's detection "
                  + "timeout, but not yet by the operator-wide one that tainting a node out-of-service waits for");
            }
            taintOutOfService(failure.node());
          }
          pods.forceDelete(old);
          return FenceResult.done();
        case ForceDelete:
        default:
          pods.forceDelete(old);
          return FenceResult.done();
      }
    }
    if (PodView.isSafeToForceDelete(old)) {
      pods.forceDelete(old);
      return FenceResult.done();
    }
    if (!PodView.isTerminating(old)) {
      pods.deleteGracefully(old);
    }
    return FenceResult.waiting("waiting for the kubelet on " + PodView.node(old) + " to stop pod " + podName);
  }

  /**
   * Whether the node carries the out-of-service taint now (read live: an administrator's confirmation that the
   * machine is down counts whatever the heartbeats say).
   */
  private boolean taintedOutOfService(String nodeName) {
    Node node = client.nodes().withName(nodeName).get();
    return node != null && node.getSpec() != null && node.getSpec().getTaints() != null
        && node.getSpec().getTaints().stream().anyMatch(t -> NodeHealth.OUT_OF_SERVICE_TAINT.equals(t.getKey()));
  }

  private void taintOutOfService(String nodeName) {
    Node node = client.nodes().withName(nodeName).get();
    if (node == null || node.getSpec() == null) {
      return;
    }
    List<Taint> taints = node.getSpec().getTaints() == null ? new ArrayList<>() : new ArrayList<>(node.getSpec().getTaints());
    if (taints.stream().anyMatch(t -> NodeHealth.OUT_OF_SERVICE_TAINT.equals(t.getKey()))) {
      return;
    }
    client.nodes().withName(nodeName).edit(n -> {
      List<Taint> current = n.getSpec().getTaints() == null ? new ArrayList<>() : new ArrayList<>(n.getSpec().getTaints());
      current.add(new TaintBuilder().withKey(NodeHealth.OUT_OF_SERVICE_TAINT).withValue("nodeshutdown")
          .withEffect("NoExecute").build());
      n.getSpec().setTaints(current);
      return n;
    });
  }
}
