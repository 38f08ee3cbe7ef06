package dev.tether.operator.failover;

import dev.tether.api.v1alpha1.AgentSession;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.storage.VolumeAttachment;
import dev.tether.operator.support.LeanItemStore;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.Objects;
import java.util.Set;

/** Informers on the cluster-scoped objects failover depends on, wired to wake the affected sessions. */
public final class NodeEvents {
  public static final String NODE_LEASE_NAMESPACE = "kube-node-lease";

  private NodeEvents() {}

  /** Nodes: taints, cordon, Ready flips and deletion wake the sessions on the node; heartbeats do not. */
  public static InformerEventSource<Node, AgentSession> nodes(EventSourceContext<AgentSession> context) {
    var config = InformerEventSourceConfiguration.from(Node.class, AgentSession.class)
        .withName("nodes")
        .withItemStore(new LeanItemStore<>())
        .withWatchAllNamespaces()
        .withFollowControllerNamespacesChanges(false)
        .withSecondaryToPrimaryMapper(node -> SessionIndex.sessionsOn(context.getPrimaryCache(), node.getMetadata().getName()))
        .withOnUpdateFilter((next, previous) -> !Objects.equals(next.getSpec(), previous.getSpec())
            || !Objects.equals(readyStatus(next), readyStatus(previous)))
        .build();
    return new InformerEventSource<>(config, context);
  }

  /** Node heartbeats: a cache only; renewals are constant and wake nobody (the deadline ticker does). */
  public static InformerEventSource<Lease, AgentSession> leases(EventSourceContext<AgentSession> context) {
    var config = InformerEventSourceConfiguration.from(Lease.class, AgentSession.class)
        .withName("node-leases")
        .withItemStore(new LeanItemStore<>())
        .withNamespaces(Set.of(NODE_LEASE_NAMESPACE))
        .withFollowControllerNamespacesChanges(false)
        .withSecondaryToPrimaryMapper(lease -> Set.of())
        .withOnAddFilter(lease -> false)
        .withOnUpdateFilter((a, b) -> false)
        .withOnDeleteFilter((lease, unknown) -> false)
        .build();
    return new InformerEventSource<>(config, context);
  }

  /** Volume attachments: a detach from a failed node wakes the sessions waiting for their volume. */
  public static InformerEventSource<VolumeAttachment, AgentSession> volumeAttachments(
      EventSourceContext<AgentSession> context) {
    var config = InformerEventSourceConfiguration.from(VolumeAttachment.class, AgentSession.class)
        .withName("volume-attachments")
        .withWatchAllNamespaces()
        .withFollowControllerNamespacesChanges(false)
        .withSecondaryToPrimaryMapper(va -> va.getSpec() == null ? Set.of()
            : SessionIndex.sessionsOn(context.getPrimaryCache(), va.getSpec().getNodeName()))
        .build();
    return new InformerEventSource<>(config, context);
  }

  private static String readyStatus(Node node) {
    NodeCondition ready = NodeHealth.readyCondition(node);
    return ready == null ? null : ready.getStatus();
  }
}
