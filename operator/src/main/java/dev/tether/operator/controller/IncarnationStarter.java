package dev.tether.operator.controller;

import dev.tether.operator.dependent.SessionLabels;
import dev.tether.operator.failover.EpochAuthority;
import dev.tether.operator.pod.IncarnationCause;
import dev.tether.operator.pod.PodWriter;
import dev.tether.operator.pod.SessionPodFactory;
import java.util.Set;

/**
 * Starts a new incarnation in the only safe order: raise the epoch (checkpoint store), write it to status,
 * then create the pod named after it. Interrupted anywhere, a later pass finds either the old epoch (and
 * raises again: epochs may skip, never repeat) or the new epoch without its pod (and creates it).
 */
public final class IncarnationStarter {
  private final EpochAuthority epochs;
  private final SessionPodFactory factory;
  private final PodWriter pods;

  public IncarnationStarter(EpochAuthority epochs, SessionPodFactory factory, PodWriter pods) {
    this.epochs = epochs;
    this.factory = factory;
    this.pods = pods;
  }

  /**
   * Raises the epoch (in the checkpoint store) for the next incarnation. Nothing in status changes yet, so a
   * store that cannot be reached leaves the session exactly as it was.
   */
  public long reserveEpoch(Reconciliation r) {
    long current = r.status().getEpoch();
    long epoch = epochs.next(r.session(), current);
    if (epoch <= current) {
      throw new IllegalStateException("epoch must increase: " + current + " -> " + epoch);
    }
    return epoch;
  }

  /** Writes the reserved epoch to status, then creates the pod named after it. */
  public void start(Reconciliation r, long epoch, IncarnationCause cause, Set<String> avoidNodes) {
    var status = r.status();
    status.setEpoch(epoch);
    status.setPodName(SessionLabels.podName(r.session(), epoch));
    status.setNodeName(null);
    r.persist();
    create(factory.build(r.session(), epoch, cause, avoidNodes));
  }

  /** Creates the pod of the epoch already in status (the create of an earlier pass did not happen). */
  public void recreateCurrent(Reconciliation r, IncarnationCause cause, Set<String> avoidNodes) {
    create(factory.build(r.session(), r.status().getEpoch(), cause, avoidNodes));
  }

  private void create(io.fabric8.kubernetes.api.model.Pod pod) {
    try {
      pods.create(pod);
    } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
      if (e.getCode() == 422 || e.getCode() == 400) {
        throw new PodRejectedException(pod.getMetadata().getName(), e.getStatus() != null
            ? e.getStatus().getMessage() : e.getMessage());
      }
      throw e;
    }
  }
}
