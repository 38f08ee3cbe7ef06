package dev.tether.operator.pod;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;
import java.time.Duration;
import java.util.Optional;

/** Every pod write the operator makes: create (adopting a pod an earlier attempt created), delete. */
public final class PodWriter {
  /** Told how the apiserver answers pod creates, e.g. to adapt the migration rate. */
  public interface Feedback {
    Feedback NONE = new Feedback() {
      @Override
      public void answered(Duration latency) {}

      @Override
      public void pushedBack() {}
    };

    /** Answered (created, or refused for a reason of the pod's own) after {@code latency}. */
    void answered(Duration latency);

    /** Throttled (429) or failed on the server's side (5xx). */
    void pushedBack();
  }

  private final KubernetesClient client;
  private final Feedback feedback;

  public PodWriter(KubernetesClient client) {
    this(client, Feedback.NONE);
  }

  public PodWriter(KubernetesClient client, Feedback feedback) {
    this.client = client;
    this.feedback = feedback;
  }

  /**
   * Creates the pod; if one of that name exists already and has the same owner (an interrupted earlier
   * attempt), returns it. A pod of that name with another owner is somebody else's and is never taken.
   */
  public Pod create(Pod pod) {
    long start = System.nanoTime();
    try {
      Pod created = client.pods().resource(pod).create();
      feedback.answered(Duration.ofNanos(System.nanoTime() - start));
      return created;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 429 || e.getCode() >= 500) {
        feedback.pushedBack();
      } else {
        feedback.answered(Duration.ofNanos(System.nanoTime() - start));
      }
      if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
        Pod existing = client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
            .get();
        if (existing != null && !sameOwner(existing, pod)) {
          throw new NameTakenException("a pod named " + pod.getMetadata().getName() + " already exists in namespace "
              + pod.getMetadata().getNamespace() + " and does not belong to this session");
        }
        return existing;
      }
      throw e;
    }
  }

  /** A pod that exists although an earlier write failed: thrown when its name is taken by another owner's pod. */
  public static final class NameTakenException extends RuntimeException {
    NameTakenException(String message) {
      super(message);
    }
  }

  private static boolean sameOwner(Pod existing, Pod desired) {
    var want = desired.getMetadata().getOwnerReferences();
    var have = existing.getMetadata().getOwnerReferences();
    return want != null && have != null && have.stream().anyMatch(h -> want.stream()
        .anyMatch(w -> w.getUid() != null && w.getUid().equals(h.getUid())));
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

  /**
   * A read past the informer cache, for the moment right after a create the cache has not seen yet; only a pod
   * the session owns counts.
   */
  public Optional<Pod> fetch(HasMetadata owner, String name) {
    return Optional.ofNullable(client.pods().inNamespace(owner.getMetadata().getNamespace()).withName(name).get())
        .filter(p -> ownedBy(p, owner));
  }

  public static boolean ownedBy(Pod pod, HasMetadata owner) {
    return pod.getMetadata().getOwnerReferences() != null && pod.getMetadata().getOwnerReferences().stream()
        .anyMatch(ref -> owner.getMetadata().getUid().equals(ref.getUid()));
  }
}
