package dev.tether.operator.failover;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.storage.VolumeAttachment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A ReadWriteOnce volume can be attached to one node only: the new pod cannot start until the attachment
 * to the failed node is gone. Kubernetes removes it by itself after its force-detach timeout (6 minutes)
 * or at once when the node is tainted out-of-service; the operator deletes it itself only when allowed
 * and only after the old pod is fenced and the detach timeout passed.
 */
public final class VolumeGate {
  private final KubernetesClient client;
  private final Supplier<Collection<VolumeAttachment>> attachments;
  private final boolean mayDeleteAttachments;
  /** The node's failure by the operator-wide timeout: detaching a volume from a live node corrupts it. */
  private final Function<String, Optional<NodeFailure>> nodeWideFailure;

  public VolumeGate(KubernetesClient client, Supplier<Collection<VolumeAttachment>> attachments,
      boolean mayDeleteAttachments, Function<String, Optional<NodeFailure>> nodeWideFailure) {
    this.client = client;
    this.attachments = attachments;
    this.mayDeleteAttachments = mayDeleteAttachments;
    this.nodeWideFailure = nodeWideFailure;
  }

  public List<VolumeAttachment> attachedTo(PersistentVolumeClaim claim, String node) {
    if (claim == null || claim.getSpec() == null || claim.getSpec().getVolumeName() == null || node == null) {
      return List.of();
    }
    String pv = claim.getSpec().getVolumeName();
    return attachments.get().stream()
        .filter(va -> va.getSpec() != null && node.equals(va.getSpec().getNodeName())
            && va.getSpec().getSource() != null && pv.equals(va.getSpec().getSource().getPersistentVolumeName()))
        .toList();
  }

  /**
   * Whether the operator may delete the attachments of a volume to {@code node}: allowed by the admin, and the
   * node failed by the operator-wide timeout, whatever the session's own settings say.
   */
  public boolean mayForceDetachFrom(String node) {
    return mayDeleteAttachments && nodeWideFailure.apply(node).isPresent();
  }

  public void forceDetach(List<VolumeAttachment> stuck) {
    stuck.forEach(va -> client.storage().v1().volumeAttachments().withName(va.getMetadata().getName()).delete());
  }
}
