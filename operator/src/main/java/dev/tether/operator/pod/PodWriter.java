package dev.tether.operator.pod;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;
import java.util.Optional;

/** Every pod write the operator makes: create (adopting a pod an earlier attempt created), delete. */
public final class PodWriter {
  private final KubernetesClient client;

  public PodWriter(KubernetesClient client) {
    this.client = client;
  }

  /** Creates the pod; if one of that name exists already (an interrupted earlier attempt), returns it. */
  public Pod create(Pod pod) {
    try {
      return client.pods().resource(pod).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
        return client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).get();
      }
      throw e;
    }
  }

  /** Asks the kubelet to stop the pod (default grace period). */
  public void deleteGracefully(Pod pod) {
    client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).delete();
  }

  /** Removes the pod object at once (grace period 0), for pods on failed nodes or known not to run. */
  public void forceDelete(Pod pod) {
    client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
        .withGracePeriod(0).delete();
  }

  /**
   * Removes a pod that must stop: at once when its node failed or its containers are known not to run
   * (nothing would confirm a graceful deletion), else gracefully, once.
   */
  public void remove(Pod pod, boolean nodeFailed) {
    if (nodeFailed || PodView.isSafeToForceDelete(pod)) {
      forceDelete(pod);
    } else if (!PodView.isTerminating(pod)) {
      deleteGracefully(pod);
    }
  }

  /** A read past the informer cache, for the moment right after a create the cache has not seen yet. */
  public Optional<Pod> fetch(String namespace, String name) {
    return Optional.ofNullable(client.pods().inNamespace(namespace).withName(name).get());
  }
}
