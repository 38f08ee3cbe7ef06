package dev.tether.operator.failover;

import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.CheckpointSpec;
import dev.tether.operator.checkpoint.ObjectStores;
import dev.tether.operator.dependent.CheckpointVolumeClaim;
import dev.tether.operator.dependent.NameClaims;
import dev.tether.operator.dependent.SessionLabels;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.api.model.storage.VolumeAttachment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether a session's volume can follow it to another node. A ReadWriteOnce volume can be attached to one node
 * only: the new pod cannot start until the attachment to the failed node is gone. Kubernetes removes it by
 * itself after its force-detach timeout (6 minutes) or at once when the node is tainted out-of-service; the
 * operator deletes it itself only when allowed and only after the old pod is fenced and the detach timeout
 * passed. A node-local volume never follows. With the object-store tier either is replaced by a fresh volume.
 */
public final class VolumeGate {
  private static final Logger LOG = LoggerFactory.getLogger(VolumeGate.class);
  private final KubernetesClient client;
  private final Supplier<Collection<VolumeAttachment>> attachments;
  private final boolean mayDeleteAttachments;
  /** The node's failure by the operator-wide timeout: detaching a volume from a live node corrupts it. */
  private final Function<String, Optional<NodeFailure>> nodeWideFailure;

  private final ObjectStores objectStores;
  private final NameClaims names;

  private final Supplier<Collection<Node>> nodes;

  public VolumeGate(KubernetesClient client, Supplier<Collection<VolumeAttachment>> attachments,
      Supplier<Collection<Node>> nodes, boolean mayDeleteAttachments,
      Function<String, Optional<NodeFailure>> nodeWideFailure, ObjectStores objectStores) {
    this.objectStores = objectStores;
    this.names = new NameClaims(client);
    this.client = client;
    this.attachments = attachments;
    this.nodes = nodes;
    this.mayDeleteAttachments = mayDeleteAttachments;
    this.nodeWideFailure = nodeWideFailure;
  }

  /**
   * Whether the claim's volume can be mounted on {@code node} and nowhere else: a node-local volume (local
   * PersistentVolumes, local-path, TopoLVM, OpenEBS LocalPV) whose required node affinity no other node of the
   * cluster matches. Such a volume never follows the session; it comes back only with its node. A volume the
   * operator may not read counts as one that can follow, as the chart grants {@code get} on volumes.
   */
  public boolean localTo(PersistentVolumeClaim claim, String node) {
    if (claim == null || claim.getSpec() == null || claim.getSpec().getVolumeName() == null || node == null) {
      return false;
    }
    PersistentVolume volume;
    try {
      volume = client.persistentVolumes().withName(claim.getSpec().getVolumeName()).get();
    } catch (KubernetesClientException e) {
      LOG.warn("cannot read volume {} of claim {}/{}: {}", claim.getSpec().getVolumeName(),
          claim.getMetadata().getNamespace(), claim.getMetadata().getName(), e.getMessage());
      return false;
    }
    if (volume == null || volume.getSpec() == null || volume.getSpec().getNodeAffinity() == null
        || volume.getSpec().getNodeAffinity().getRequired() == null) {
      return false;
    }
    var required = volume.getSpec().getNodeAffinity().getRequired();
    return nodes.get().stream().filter(n -> !node.equals(n.getMetadata().getName()))
        .noneMatch(n -> NodeAffinityMatch.matches(required, n));
  }

  /** Whether the node takes no new pod: cordoned, or not in the cluster (any more). */
  public boolean takesNoPods(String node) {
    return nodes.get().stream().filter(n -> node.equals(n.getMetadata().getName())).findFirst()
        .map(n -> n.getSpec() != null && Boolean.TRUE.equals(n.getSpec().getUnschedulable())).orElse(true);
  }

  /** The claim's volume's attachments, to any node. */
  public List<VolumeAttachment> attachments(PersistentVolumeClaim claim) {
    if (claim == null || claim.getSpec() == null || claim.getSpec().getVolumeName() == null) {
      return List.of();
    }
    String pv = claim.getSpec().getVolumeName();
    return attachments.get().stream()
        .filter(va -> va.getSpec() != null && va.getSpec().getNodeName() != null
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

  /**
   * Whether a volume stuck on a failed node may be left behind: the object store holds every acknowledged
   * checkpoint of the session, so the next incarnation restores from there into a fresh volume.
   */
  public boolean replaceable(AgentSession session) {
    return objectStores.spec(session).isPresent();
  }

  /**
   * Creates the claim that replaces {@code stuck} (create only: an existing one of that name is this session's
   * from an earlier pass, else {@link NameClaims} reports it), and lets the old one go as the reclaim policy says.
   * Returns the new claim's name.
   */
  public String replace(AgentSession session, PersistentVolumeClaim stuck, long lostEpoch) {
    String ns = session.getMetadata().getNamespace();
    String fresh = SessionLabels.replacementClaimName(session, lostEpoch);
    PersistentVolumeClaim claim = CheckpointVolumeClaim.claim(session, fresh);
    claim.getMetadata().setOwnerReferences(List.of(new OwnerReferenceBuilder().withApiVersion(session.getApiVersion())
        .withKind(session.getKind()).withName(session.getMetadata().getName()).withUid(session.getMetadata().getUid())
        .withController(true).withBlockOwnerDeletion(true).build()));
    try {
      client.persistentVolumeClaims().inNamespace(ns).resource(claim).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
    }
    if (stuck != null) {
      var old = client.persistentVolumeClaims().inNamespace(ns).withName(stuck.getMetadata().getName());
      if (session.getSpec().getCheckpoint().getReclaimPolicy() == CheckpointSpec.ReclaimPolicy.Delete) {
        names.deleteIfOurs(old, session);
      } else {
        names.release(old, session);
      }
    }
    return fresh;
  }
}
