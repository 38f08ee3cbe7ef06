package dev.tether.testbed.sim;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.storage.VolumeAttachment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.stream.Stream;

/** The watches every simulated component reads from: one informer per resource type, shared by all. */
final class ClusterInformers implements AutoCloseable {
  static final String NODE_LEASE_NAMESPACE = "kube-node-lease";
  private static final String BY_NODE = "spec.nodeName";

  final SharedIndexInformer<Pod> pods;
  final SharedIndexInformer<Node> nodes;
  final SharedIndexInformer<Lease> leases;
  final SharedIndexInformer<PersistentVolumeClaim> claims;
  final SharedIndexInformer<PersistentVolume> volumes;
  final SharedIndexInformer<VolumeAttachment> attachments;

  ClusterInformers(KubernetesClient client) {
    pods = client.pods().inAnyNamespace().runnableInformer(0);
    pods.addIndexers(Map.of(BY_NODE, pod -> Optional.ofNullable(pod.getSpec().getNodeName()).stream().toList()));
    nodes = client.nodes().runnableInformer(0);
    leases = client.leases().inNamespace(NODE_LEASE_NAMESPACE).runnableInformer(0);
    claims = client.persistentVolumeClaims().inAnyNamespace().runnableInformer(0);
    volumes = client.persistentVolumes().runnableInformer(0);
    attachments = client.storage().v1().volumeAttachments().runnableInformer(0);
  }

  void start() {
    var started = all().map(informer -> informer.start().toCompletableFuture()).toArray(CompletableFuture[]::new);
    try {
      CompletableFuture.allOf(started).get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("informers did not sync", e);
    }
  }

  List<Pod> podsOn(String nodeName) {
    return pods.getIndexer().byIndex(BY_NODE, nodeName);
  }

  Optional<Node> node(String name) {
    return Optional.ofNullable(nodes.getStore().getByKey(name));
  }

  Optional<Lease> lease(String nodeName) {
    return Optional.ofNullable(leases.getStore().getByKey(NODE_LEASE_NAMESPACE + "/" + nodeName));
  }

  Optional<PersistentVolumeClaim> claim(String namespace, String name) {
    return Optional.ofNullable(claims.getStore().getByKey(namespace + "/" + name));
  }

  Optional<PersistentVolume> volume(String name) {
    return name == null ? Optional.empty() : Optional.ofNullable(volumes.getStore().getByKey(name));
  }

  Optional<VolumeAttachment> attachment(String name) {
    return Optional.ofNullable(attachments.getStore().getByKey(name));
  }

  @Override
  public void close() {
    all().forEach(SharedIndexInformer::close);
  }

  private Stream<SharedIndexInformer<? extends HasMetadata>> all() {
    return Stream.of(pods, nodes, leases, claims, volumes, attachments);
  }

  /** A handler that reacts the same way to adds, updates and deletes. */
  static <T> ResourceEventHandler<T> onChange(Consumer<T> action) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T obj) {
        action.accept(obj);
      }

      @Override
      public void onUpdate(T oldObj, T newObj) {
        action.accept(newObj);
      }

      @Override
      public void onDelete(T obj, boolean deletedFinalStateUnknown) {
        action.accept(obj);
      }
    };
  }
}
