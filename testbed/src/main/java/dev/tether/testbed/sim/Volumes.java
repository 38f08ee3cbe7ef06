package dev.tether.testbed.sim;

import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/** Naming and classification of the simulated storage, shared by the provisioner, attach/detach and nodes. */
public final class Volumes {
  /** The StorageClass provisioner. */
  static final String PROVISIONER = "tether.dev/simulated";
  /**
   * The CSI driver that attaches the volumes: VolumeAttachment's attacher must be a DNS subdomain, so it cannot
   * be the provisioner's name.
   */
  static final String ATTACHER = "simulated.tether.dev";
  static final String STORAGE_CLASS = "standard";
  /**
   * Volumes on one node's disk, as local-path or TopoLVM make them: bound when the scheduler picked the node of the
   * first pod ({@value #SELECTED_NODE}), pinned to that node by node affinity, never mountable elsewhere.
   */
  public static final String NODE_LOCAL_CLASS = "node-local";
  static final String SELECTED_NODE = "volume.kubernetes.io/selected-node";
  static final String HOSTNAME = "kubernetes.io/hostname";

  private Volumes() {}

  static List<String> claimNames(Pod pod) {
    List<Volume> volumes = pod.getSpec().getVolumes();
    if (volumes == null) {
      return List.of();
    }
    return volumes.stream()
        .map(Volume::getPersistentVolumeClaim)
        .filter(Objects::nonNull)
        .map(claim -> claim.getClaimName())
        .distinct()
        .toList();
  }

  /** ReadWriteOnce network volumes are attached to one node at a time; ReadWriteMany ones (network shares) are not. */
  static boolean needsAttachment(PersistentVolume pv) {
    if (NODE_LOCAL_CLASS.equals(pv.getSpec().getStorageClassName())) {
      return false; // a local volume is on the node's own disk: nothing to attach
    }
    List<String> modes = pv.getSpec().getAccessModes();
    return modes != null && !modes.contains("ReadWriteMany")
        && (modes.contains("ReadWriteOnce") || modes.contains("ReadWriteOncePod"));
  }

  /** The VolumeAttachment name the CSI attach/detach controller would use: csi-sha256(volume, attacher, node). */
  static String attachmentName(String pvName, String nodeName) {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256")
          .digest((pvName + ATTACHER + nodeName).getBytes(StandardCharsets.UTF_8));
      return "csi-" + HexFormat.of().formatHex(hash);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** How a kubelet lists a mounted attachable volume in the Node's status.volumesInUse. */
  static String inUseName(String pvName) {
    return "kubernetes.io/csi/" + ATTACHER + "^" + pvName;
  }
}
