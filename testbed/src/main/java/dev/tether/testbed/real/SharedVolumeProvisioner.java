package dev.tether.testbed.real;

import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.storage.StorageClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A dynamic provisioner for the real nodes. The default StorageClass {@value #STORAGE_CLASS} gives each claim a
 * {@code local} PersistentVolume on a directory of this machine that every node may mount (they all share
 * its disk), so a volume survives its node like network storage does. The directory starts as a fresh
 * block volume's file system does, owned by root with mode 0755: only {@code fsGroup} lets a non-root
 * container write it, and the kubelet applies {@code fsGroup} to local volumes. The real controller-manager
 * binds claims and protects volumes in use; this deletes released volumes and their directories.
 *
 * <p>The StorageClass {@value #NODE_LOCAL_CLASS} makes node-local volumes, as local-path-provisioner does: binding
 * waits for the first pod, the scheduler names its node ({@code volume.kubernetes.io/selected-node}), and the
 * volume's node affinity pins it to that node (its hostname label), so it can never be mounted elsewhere.
 */
final class SharedVolumeProvisioner implements AutoCloseable {
  static final String STORAGE_CLASS = "standard";
  public static final String NODE_LOCAL_CLASS = "node-local";
  private static final String SELECTED_NODE = "volume.kubernetes.io/selected-node";
  static final String PROVISIONER = "tether.dev/testbed-shared";
  /** Label of the nodes that may mount the shared volumes (all real nodes). */
  static final String NODE_LABEL = "tether.dev/testbed-shared-storage";
  private static final Logger LOG = LoggerFactory.getLogger(SharedVolumeProvisioner.class);

  private final KubernetesClient client;
  private final Path root;
  private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
    Thread thread = new Thread(r, "testbed-shared-volumes");
    thread.setDaemon(true);
    return thread;
  });
  private SharedIndexInformer<PersistentVolumeClaim> claims;
  private SharedIndexInformer<PersistentVolume> volumes;

  SharedVolumeProvisioner(KubernetesClient client, Path root) {
    this.client = client;
    this.root = root;
  }

  void start() {
    client.storage().v1().storageClasses().resource(new StorageClassBuilder()
        .withNewMetadata().withName(STORAGE_CLASS)
          .addToAnnotations("storageclass.kubernetes.io/is-default-class", "true").endMetadata()
        .withProvisioner(PROVISIONER).withReclaimPolicy("Delete").withVolumeBindingMode("Immediate")
        .build()).createOr(existing -> existing.update());
    client.storage().v1().storageClasses().resource(new StorageClassBuilder()
        .withNewMetadata().withName(NODE_LOCAL_CLASS).endMetadata()
        .withProvisioner(PROVISIONER).withReclaimPolicy("Delete").withVolumeBindingMode("WaitForFirstConsumer")
        .build()).createOr(existing -> existing.update());
    claims = client.persistentVolumeClaims().inAnyNamespace().inform(handler(this::provision));
    volumes = client.persistentVolumes().inform(handler(this::reclaim));
  }

  private <T> ResourceEventHandler<T> handler(java.util.function.Consumer<T> action) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T obj) {
        worker.execute(() -> safely(action, obj));
      }

      @Override
      public void onUpdate(T oldObj, T newObj) {
        worker.execute(() -> safely(action, newObj));
      }

      @Override
      public void onDelete(T obj, boolean deletedFinalStateUnknown) {}
    };
  }

  private static <T> void safely(java.util.function.Consumer<T> action, T obj) {
    try {
      action.accept(obj);
    } catch (RuntimeException e) {
      LOG.warn("shared volumes: {}", e.toString());
    }
  }

  private void provision(PersistentVolumeClaim claim) {
    if (!"Pending".equals(claim.getStatus() == null ? null : claim.getStatus().getPhase())
        || claim.getMetadata().getDeletionTimestamp() != null
        || !STORAGE_CLASS.equals(claim.getSpec().getStorageClassName())
            && !NODE_LOCAL_CLASS.equals(claim.getSpec().getStorageClassName())
        || claim.getSpec().getVolumeName() != null && !claim.getSpec().getVolumeName().isEmpty()) {
      return;
    }
    boolean local = NODE_LOCAL_CLASS.equals(claim.getSpec().getStorageClassName());
    String selectedNode = claim.getMetadata().getAnnotations() == null ? null
        : claim.getMetadata().getAnnotations().get(SELECTED_NODE);
    if (local && selectedNode == null) {
      return; // the scheduler has not picked the first pod's node yet
    }
    String name = "pvc-" + claim.getMetadata().getUid();
    if (volumes.getStore().getByKey(name) != null) {
      return;
    }
    Path dir = local ? root.resolve(selectedNode).resolve(name) : root.resolve(name);
    try {
      Files.createDirectories(dir);
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    PersistentVolume volume = new PersistentVolumeBuilder()
        .withNewMetadata().withName(name).addToAnnotations("pv.kubernetes.io/provisioned-by", PROVISIONER)
        .endMetadata()
        .withNewSpec()
          .withCapacity(claim.getSpec().getResources().getRequests())
          .withAccessModes(claim.getSpec().getAccessModes())
          .withPersistentVolumeReclaimPolicy("Delete")
          .withStorageClassName(claim.getSpec().getStorageClassName())
          .withVolumeMode("Filesystem")
          .withNewClaimRef().withNamespace(claim.getMetadata().getNamespace())
            .withName(claim.getMetadata().getName()).withUid(claim.getMetadata().getUid()).endClaimRef()
          .withNewLocal().withPath(dir.toString()).endLocal()
          .withNewNodeAffinity().withNewRequired().addNewNodeSelectorTerm().addNewMatchExpression()
            .withKey(local ? "kubernetes.io/hostname" : NODE_LABEL).withOperator("In")
            .withValues(local ? selectedNode : "true")
          .endMatchExpression().endNodeSelectorTerm().endRequired().endNodeAffinity()
        .endSpec()
        .build();
    try {
      client.persistentVolumes().resource(volume).create();
      LOG.info("provisioned {} for {}/{}", name, claim.getMetadata().getNamespace(), claim.getMetadata().getName());
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
    }
  }

  private void reclaim(PersistentVolume volume) {
    if (!PROVISIONER.equals(volume.getMetadata().getAnnotations() == null ? null
        : volume.getMetadata().getAnnotations().get("pv.kubernetes.io/provisioned-by"))) {
      return;
    }
    String phase = volume.getStatus() == null ? null : volume.getStatus().getPhase();
    if (!"Released".equals(phase) && !"Failed".equals(phase)) {
      return;
    }
    client.persistentVolumes().withName(volume.getMetadata().getName()).delete();
    deleteTree(Path.of(volume.getSpec().getLocal().getPath()));
  }

  private static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (var files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException e) {
      LOG.warn("cannot remove {}: {}", dir, e.toString());
    }
  }

  @Override
  public void close() {
    if (claims != null) {
      claims.close();
    }
    if (volumes != null) {
      volumes.close();
    }
    worker.shutdownNow();
  }
}
