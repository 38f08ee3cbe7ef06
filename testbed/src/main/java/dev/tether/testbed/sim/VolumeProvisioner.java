package dev.tether.testbed.sim;

import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.VolumeNodeAffinityBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.storage.StorageClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plays a dynamic provisioner with the persistent-volume controller: a default StorageClass {@code standard} whose
 * claims get a PersistentVolume backed by a local directory, bound at once. Claims of unknown classes stay
 * Pending, as in a real cluster. Also plays the pvc-protection controller: the apiserver's admission adds the
 * {@code kubernetes.io/pvc-protection} finalizer, which is released once no running pod uses the claim.
 */
public final class VolumeProvisioner implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(VolumeProvisioner.class);
  static final String PVC_PROTECTION = "kubernetes.io/pvc-protection";
  static final String PV_PROTECTION = "kubernetes.io/pv-protection";
  private static final String PROVISIONED_BY = "pv.kubernetes.io/provisioned-by";

  private final KubernetesClient client;
  private final ClusterInformers informers;
  private final Path volumesRoot;
  private final ReconcileLoop loop;

  VolumeProvisioner(KubernetesClient client, ClusterInformers informers, Path volumesRoot) {
    this.client = client;
    this.informers = informers;
    this.volumesRoot = volumesRoot;
    this.loop = new ReconcileLoop("sim-provisioner", this::reconcile);
    informers.claims.addEventHandler(ClusterInformers.onChange(claim -> loop.request()));
    informers.volumes.addEventHandler(ClusterInformers.onChange(pv -> loop.request()));
    informers.pods.addEventHandler(ClusterInformers.onChange(pod -> loop.request()));
  }

  void start() {
    var storageClass = new StorageClassBuilder()
        .withNewMetadata()
          .withName(Volumes.STORAGE_CLASS)
          .addToAnnotations("storageclass.kubernetes.io/is-default-class", "true")
        .endMetadata()
        .withProvisioner(Volumes.PROVISIONER)
        .withReclaimPolicy("Delete")
        .withVolumeBindingMode("Immediate")
        .build();
    client.storage().v1().storageClasses().resource(storageClass).forceConflicts().serverSideApply();
    client.storage().v1().storageClasses().resource(new StorageClassBuilder()
        .withNewMetadata().withName(Volumes.NODE_LOCAL_CLASS).endMetadata()
        .withProvisioner(Volumes.PROVISIONER)
        .withReclaimPolicy("Delete")
        .withVolumeBindingMode("WaitForFirstConsumer")
        .build()).forceConflicts().serverSideApply();
    loop.request();
  }

  /** The directory behind a claim: under the cluster's root, so it outlives any node, like network storage. */
  public Path volumeDir(String namespace, String claimName) {
    return volumesRoot.resolve(namespace).resolve(claimName);
  }

  private void reconcile() {
    List<Pod> pods = informers.pods.getStore().list();
    for (PersistentVolumeClaim claim : informers.claims.getStore().list()) {
      if (claim.getMetadata().getDeletionTimestamp() != null) {
        releaseIfUnused(claim, pods);
      } else if (isOurs(claim)) {
        provision(claim);
      }
    }
    for (PersistentVolume pv : informers.volumes.getStore().list()) {
      reclaimIfReleased(pv);
    }
  }

  private static boolean isOurs(PersistentVolumeClaim claim) {
    String className = claim.getSpec().getStorageClassName();
    return className == null || className.isEmpty() || Volumes.STORAGE_CLASS.equals(className)
        || Volumes.NODE_LOCAL_CLASS.equals(className);
  }

  /** The node a node-local claim's volume goes to, once the scheduler chose it; empty for other classes. */
  private static Optional<String> selectedNode(PersistentVolumeClaim claim) {
    var annotations = claim.getMetadata().getAnnotations();
    return Optional.ofNullable(annotations == null ? null : annotations.get(Volumes.SELECTED_NODE));
  }

  private void provision(PersistentVolumeClaim claim) {
    String namespace = claim.getMetadata().getNamespace();
    String name = claim.getMetadata().getName();
    String pvName = "pvc-" + claim.getMetadata().getUid();
    if (claim.getSpec().getVolumeName() != null && !claim.getSpec().getVolumeName().equals(pvName)) {
      return; // pre-bound to some other volume: not ours to provision
    }
    boolean local = Volumes.NODE_LOCAL_CLASS.equals(claim.getSpec().getStorageClassName());
    if (local && selectedNode(claim).isEmpty() && informers.volume(pvName).isEmpty()) {
      return; // WaitForFirstConsumer: no volume before the scheduler picked a node
    }
    PersistentVolume pv = informers.volume(pvName).orElseGet(() -> createVolume(claim, pvName));
    if (!"Bound".equals(pv.getStatus() == null ? null : pv.getStatus().getPhase())) {
      client.persistentVolumes().withName(pvName).editStatus(latest -> {
        latest.getStatus().setPhase("Bound");
        return latest;
      });
    }
    if (claim.getSpec().getVolumeName() == null) {
      client.persistentVolumeClaims().inNamespace(namespace).withName(name).edit(latest -> {
        latest.getSpec().setVolumeName(pvName);
        var annotations = new java.util.HashMap<>(Objects.requireNonNullElse(latest.getMetadata().getAnnotations(), Map.of()));
        annotations.put("pv.kubernetes.io/bind-completed", "yes");
        annotations.put("pv.kubernetes.io/bound-by-controller", "yes");
        latest.getMetadata().setAnnotations(annotations);
        return latest;
      });
    }
    if (claim.getStatus() == null || !"Bound".equals(claim.getStatus().getPhase())) {
      client.persistentVolumeClaims().inNamespace(namespace).withName(name).editStatus(latest -> {
        latest.getStatus().setPhase("Bound");
        latest.getStatus().setAccessModes(pv.getSpec().getAccessModes());
        latest.getStatus().setCapacity(pv.getSpec().getCapacity());
        return latest;
      });
      LOG.debug("bound claim {}/{} to {}", namespace, name, pvName);
    }
  }

  private PersistentVolume createVolume(PersistentVolumeClaim claim, String pvName) {
    Path dir = volumeDir(claim.getMetadata().getNamespace(), claim.getMetadata().getName());
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Quantity size = claim.getSpec().getResources() == null || claim.getSpec().getResources().getRequests() == null
        ? null : claim.getSpec().getResources().getRequests().get("storage");
    var pv = new PersistentVolumeBuilder()
        .withNewMetadata()
          .withName(pvName)
          .addToAnnotations(PROVISIONED_BY, Volumes.PROVISIONER)
        .endMetadata()
        .withNewSpec()
          .withCapacity(Map.of("storage", size == null ? new Quantity("1Gi") : size))
          .withAccessModes(claim.getSpec().getAccessModes())
          .withPersistentVolumeReclaimPolicy("Delete")
          .withStorageClassName(Volumes.NODE_LOCAL_CLASS.equals(claim.getSpec().getStorageClassName())
              ? Volumes.NODE_LOCAL_CLASS : Volumes.STORAGE_CLASS)
          .withNodeAffinity(selectedNode(claim).map(node -> new VolumeNodeAffinityBuilder().withNewRequired()
              .addNewNodeSelectorTerm().addNewMatchExpression().withKey(Volumes.HOSTNAME).withOperator("In")
              .withValues(node).endMatchExpression().endNodeSelectorTerm().endRequired().build()).orElse(null))
          .withVolumeMode(claim.getSpec().getVolumeMode())
          .withNewHostPath().withPath(dir.toAbsolutePath().toString()).withType("Directory").endHostPath()
          .withClaimRef(new ObjectReferenceBuilder()
              .withKind("PersistentVolumeClaim").withApiVersion("v1")
              .withNamespace(claim.getMetadata().getNamespace())
              .withName(claim.getMetadata().getName())
              .withUid(claim.getMetadata().getUid())
              .withResourceVersion(claim.getMetadata().getResourceVersion())
              .build())
        .endSpec()
        .build();
    try {
      return client.persistentVolumes().resource(pv).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        return client.persistentVolumes().withName(pvName).get();
      }
      throw e;
    }
  }

  /** The pvc-protection controller's job: a deleted claim goes away once no running pod mounts it. */
  private void releaseIfUnused(PersistentVolumeClaim claim, List<Pod> pods) {
    List<String> finalizers = claim.getMetadata().getFinalizers();
    if (finalizers == null || !finalizers.contains(PVC_PROTECTION)) {
      return;
    }
    String namespace = claim.getMetadata().getNamespace();
    String name = claim.getMetadata().getName();
    boolean used = pods.stream()
        .filter(pod -> namespace.equals(pod.getMetadata().getNamespace()) && !Pods.isTerminal(pod))
        .anyMatch(pod -> Volumes.claimNames(pod).contains(name));
    if (!used) {
      removeFinalizer(client.persistentVolumeClaims().inNamespace(namespace).withName(name), PVC_PROTECTION);
    }
  }

  /** Reclaim policy Delete: a volume whose claim is gone is deleted, with its data. */
  private void reclaimIfReleased(PersistentVolume pv) {
    var annotations = pv.getMetadata().getAnnotations();
    var claimRef = pv.getSpec().getClaimRef();
    if (annotations == null || !Volumes.PROVISIONER.equals(annotations.get(PROVISIONED_BY)) || claimRef == null
        || !"Delete".equals(pv.getSpec().getPersistentVolumeReclaimPolicy())) {
      return;
    }
    boolean claimExists = informers.claim(claimRef.getNamespace(), claimRef.getName())
        .filter(claim -> Objects.equals(claim.getMetadata().getUid(), claimRef.getUid()))
        .isPresent();
    if (claimExists) {
      return;
    }
    var resource = client.persistentVolumes().withName(pv.getMetadata().getName());
    if (pv.getMetadata().getDeletionTimestamp() == null) {
      resource.delete();
      deleteRecursively(Path.of(pv.getSpec().getHostPath().getPath()));
      LOG.debug("deleted volume {} of claim {}/{}", pv.getMetadata().getName(), claimRef.getNamespace(), claimRef.getName());
    }
    if (pv.getMetadata().getFinalizers() != null && pv.getMetadata().getFinalizers().contains(PV_PROTECTION)) {
      removeFinalizer(resource, PV_PROTECTION);
    }
  }

  private static <T extends io.fabric8.kubernetes.api.model.HasMetadata> void removeFinalizer(
      io.fabric8.kubernetes.client.dsl.Resource<T> resource, String finalizer) {
    try {
      resource.edit(latest -> {
        latest.getMetadata().setFinalizers(latest.getMetadata().getFinalizers().stream()
            .filter(f -> !f.equals(finalizer)).collect(Collectors.toList()));
        return latest;
      });
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
  }

  private static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      LOG.warn("could not delete {}: {}", dir, e.toString());
    }
  }

  @Override
  public void close() {
    loop.close();
  }
}
