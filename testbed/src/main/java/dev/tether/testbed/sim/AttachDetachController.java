package dev.tether.testbed.sim;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.storage.VolumeAttachment;
import io.fabric8.kubernetes.api.model.storage.VolumeAttachmentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plays the attach/detach controller with a CSI external-attacher for ReadWriteOnce volumes. A pod bound to a
 * node gets a VolumeAttachment for each such volume, unless the volume is attached to another node
 * (multi-attach is refused, so the pod waits). An attachment no pod needs any more is deleted only when safe:
 * the node's kubelet reported the volume unmounted (status.volumesInUse), or the node is tainted
 * {@code node.kubernetes.io/out-of-service}, or the Node object is gone, or {@code forceDetachAfter} passed
 * (kube-controller-manager's maxWaitForUnmountDuration). So a dead node keeps its attachments.
 */
public final class AttachDetachController implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AttachDetachController.class);
  static final String OUT_OF_SERVICE = OutOfServiceTaint.KEY;

  private final KubernetesClient client;
  private final ClusterInformers informers;
  private final Duration forceDetachAfter;
  private final ReconcileLoop loop;
  /** When each attachment was first seen unneeded (loop thread only). */
  private final Map<String, Instant> unneededSince = new HashMap<>();
  private final Set<String> multiAttachReported = new HashSet<>();

  AttachDetachController(KubernetesClient client, ClusterInformers informers, Duration forceDetachAfter) {
    this.client = client;
    this.informers = informers;
    this.forceDetachAfter = forceDetachAfter;
    this.loop = new ReconcileLoop("sim-attach-detach", this::reconcile);
    informers.pods.addEventHandler(ClusterInformers.onChange(pod -> loop.request()));
    informers.nodes.addEventHandler(ClusterInformers.onChange(node -> loop.request()));
    informers.claims.addEventHandler(ClusterInformers.onChange(claim -> loop.request()));
    informers.volumes.addEventHandler(ClusterInformers.onChange(pv -> loop.request()));
    informers.attachments.addEventHandler(ClusterInformers.onChange(va -> loop.request()));
  }

  void start() {
    loop.request();
  }

  /** Whether the volume is attached to the node, as the kubelet sees it before mounting. */
  boolean isAttached(String pvName, String nodeName) {
    return informers.attachment(Volumes.attachmentName(pvName, nodeName))
        .map(va -> va.getStatus() != null && Boolean.TRUE.equals(va.getStatus().getAttached()))
        .orElse(false);
  }

  /** The attachable persistent volumes the pod mounts, once its claims are bound. */
  List<String> attachableVolumes(Pod pod) {
    return Volumes.claimNames(pod).stream()
        .flatMap(claim -> informers.claim(pod.getMetadata().getNamespace(), claim).stream())
        .flatMap(pvc -> informers.volume(pvc.getSpec().getVolumeName()).stream())
        .filter(Volumes::needsAttachment)
        .map(pv -> pv.getMetadata().getName())
        .toList();
  }

  private void reconcile() {
    Map<String, Desired> desired = desiredAttachments();
    Map<String, VolumeAttachment> ours = new HashMap<>();
    for (VolumeAttachment va : informers.attachments.getStore().list()) {
      if (Volumes.ATTACHER.equals(va.getSpec().getAttacher())) {
        ours.put(va.getMetadata().getName(), va);
      }
    }
    desired.forEach((name, want) -> attach(name, want, ours));
    Instant now = Instant.now();
    for (VolumeAttachment va : ours.values()) {
      String name = va.getMetadata().getName();
      if (desired.containsKey(name)) {
        unneededSince.remove(name);
      } else {
        Instant since = unneededSince.get(name);
        if (since == null) {
          since = now;
          unneededSince.put(name, now);
          loop.requestAfter(forceDetachAfter); // the deadline passes without any event
        }
        if (safeToDetach(va, since, now)) {
          detach(va);
        }
      }
    }
    unneededSince.keySet().retainAll(ours.keySet());
  }

  private record Desired(String pvName, String nodeName) {}

  private Map<String, Desired> desiredAttachments() {
    Map<String, Desired> desired = new HashMap<>();
    for (Pod pod : informers.pods.getStore().list()) {
      String nodeName = pod.getSpec().getNodeName();
      if (nodeName == null || nodeName.isEmpty() || Pods.isTerminal(pod)) {
        continue;
      }
      for (String pvName : attachableVolumes(pod)) {
        desired.put(Volumes.attachmentName(pvName, nodeName), new Desired(pvName, nodeName));
      }
    }
    return desired;
  }

  private void attach(String name, Desired want, Map<String, VolumeAttachment> ours) {
    VolumeAttachment existing = ours.get(name);
    if (existing == null) {
      var elsewhere = ours.values().stream()
          .filter(va -> want.pvName().equals(va.getSpec().getSource().getPersistentVolumeName()))
          .findFirst();
      if (elsewhere.isPresent()) {
        if (multiAttachReported.add(name)) {
          LOG.info("Multi-Attach error for volume {}: already exclusively attached to node {}, cannot attach to {}",
              want.pvName(), elsewhere.get().getSpec().getNodeName(), want.nodeName());
        }
        return;
      }
      multiAttachReported.remove(name);
      existing = create(name, want);
    }
    if (existing.getStatus() == null || !Boolean.TRUE.equals(existing.getStatus().getAttached())) {
      client.storage().v1().volumeAttachments().withName(name).editStatus(latest -> {
        latest.setStatus(new io.fabric8.kubernetes.api.model.storage.VolumeAttachmentStatusBuilder()
            .withAttached(true).build());
        return latest;
      });
      LOG.debug("attached {} to {}", want.pvName(), want.nodeName());
    }
  }

  private VolumeAttachment create(String name, Desired want) {
    var va = new VolumeAttachmentBuilder()
        .withNewMetadata().withName(name).endMetadata()
        .withNewSpec()
          .withAttacher(Volumes.ATTACHER)
          .withNodeName(want.nodeName())
          .withNewSource().withPersistentVolumeName(want.pvName()).endSource()
        .endSpec()
        .build();
    try {
      return client.storage().v1().volumeAttachments().resource(va).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        return client.storage().v1().volumeAttachments().withName(name).get();
      }
      throw e;
    }
  }

  private boolean safeToDetach(VolumeAttachment va, Instant unneededSince, Instant now) {
    String pvName = va.getSpec().getSource().getPersistentVolumeName();
    Node node = informers.node(va.getSpec().getNodeName()).orElse(null);
    if (node == null) {
      return true;
    }
    boolean outOfService = node.getSpec().getTaints() != null
        && node.getSpec().getTaints().stream().anyMatch(t -> OUT_OF_SERVICE.equals(t.getKey()));
    List<String> inUse = node.getStatus() == null ? null : node.getStatus().getVolumesInUse();
    boolean unmounted = inUse == null || !inUse.contains(Volumes.inUseName(pvName));
    return outOfService || unmounted || !now.isBefore(unneededSince.plus(forceDetachAfter));
  }

  private void detach(VolumeAttachment va) {
    client.storage().v1().volumeAttachments().withName(va.getMetadata().getName()).delete();
    LOG.debug("detached {} from {}", va.getSpec().getSource().getPersistentVolumeName(), va.getSpec().getNodeName());
  }

  @Override
  public void close() {
    loop.close();
  }
}
