package dev.tether.operator.controller;

import dev.tether.operator.dependent.SessionLabels;
import dev.tether.operator.failover.EpochAuthority;
import dev.tether.operator.pod.IncarnationCause;
import dev.tether.operator.pod.PodWriter;
import dev.tether.operator.pod.SessionPodFactory;
import dev.tether.store.StoreUnavailableException;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.OptionalLong;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a new incarnation in the only safe order: write its epoch to status (the optimistic write that
 * decides), raise the checkpoint store to exactly that epoch, then create the pod named after it.
 * Interrupted anywhere, a later pass finds the epoch in status without its pod and takes a new epoch: epochs
 * may skip, and one pod object never shares its epoch with another.
 */
public final class IncarnationStarter {
  private static final Logger LOG = LoggerFactory.getLogger(IncarnationStarter.class);
  /** A store raised under the operator's feet again and again means a second writer: stop and retry later. */
  private static final int ATTEMPTS = 3;

  private final EpochAuthority epochs;
  private final SessionPodFactory factory;
  private final PodWriter pods;

  public IncarnationStarter(EpochAuthority epochs, SessionPodFactory factory, PodWriter pods) {
    this.epochs = epochs;
    this.factory = factory;
    this.pods = pods;
  }

  /**
   * The epoch the next incarnation would get. Reads only: a store that cannot be reached leaves the session
   * exactly as it was.
   */
  public long nextEpoch(Reconciliation r) {
    long current = r.status().getEpoch();
    long epoch = epochs.next(r.session(), current);
    if (epoch <= current) {
      throw new IllegalStateException("epoch must increase: " + current + " -> " + epoch);
    }
    return epoch;
  }

  /**
   * Starts the incarnation of {@code epoch} (from {@link #nextEpoch}), or of a later one when the store is
   * already past it; status holds the epoch it got.
   */
  public void start(Reconciliation r, long epoch, IncarnationCause cause, Set<String> avoidNodes) {
    var status = r.status();
    for (int attempt = 1; ; attempt++) {
      status.setEpoch(epoch);
      status.setPodName(SessionLabels.podName(r.session(), epoch));
      status.setNodeName(null);
      r.persist();
      long stored = epochs.establish(r.session(), epoch);
      if (stored == epoch) {
        create(factory.build(r.session(), epoch, cause, avoidNodes));
        return;
      }
      LOG.warn("epoch {} of {} was superseded in the checkpoint store by {}: taking a new one", epoch,
          r.session().getMetadata().getName(), stored);
      if (attempt == ATTEMPTS) {
        throw new IllegalStateException("the checkpoint store's epoch keeps moving past the operator's ("
            + stored + " after " + epoch + "): is a second operator running?");
      }
      epoch = nextEpoch(r);
    }
  }

  /**
   * Checks the current incarnation's epoch against the store. Returns the store's epoch when it is above (the
   * incarnation is fenced and can never commit again); raises the store again when it holds less (restored
   * from an older snapshot, or the key was lost), so the incarnation can commit.
   */
  public OptionalLong superseded(Reconciliation r) {
    long current = r.status().getEpoch();
    try {
      long stored = epochs.stored(r.session(), current);
      if (stored > current) {
        return OptionalLong.of(stored);
      }
      if (stored < current) {
        long now = epochs.establish(r.session(), current);
        if (now > current) {
          return OptionalLong.of(now);
        }
        LOG.info("the checkpoint store held epoch {} for {}, below its incarnation's {}: raised it", stored,
            r.session().getMetadata().getName(), current);
      }
    } catch (StoreUnavailableException e) {
      // Cannot tell now; a running incarnation keeps running, and the next pass looks again.
    }
    return OptionalLong.empty();
  }

  /**
   * Creates the pod of the epoch status holds again, after its create was forbidden (403: no pod exists). The
   * store must hold exactly that epoch; otherwise a new one is taken the usual way.
   */
  public boolean retryForbidden(Reconciliation r, IncarnationCause cause) {
    long epoch = r.status().getEpoch();
    if (epochs.stored(r.session(), epoch) != epoch) {
      return false;
    }
    create(factory.build(r.session(), epoch, cause, Set.of()));
    return true;
  }

  private void create(Pod pod) {
    try {
      pods.create(pod);
    } catch (PodWriter.NameTakenException e) {
      // Somebody else's pod has this epoch's name: refused until the spec changes, then a new epoch is taken.
      throw new PodRejectedException(e.getMessage()
          + "; change the session's spec (any field) to start the next incarnation under another name");
    } catch (KubernetesClientException e) {
      if (e.getCode() == 403) {
        throw new PodForbiddenException(pod.getMetadata().getName(), e.getStatus() != null
            ? e.getStatus().getMessage() : e.getMessage());
      }
      if (e.getCode() == 422 || e.getCode() == 400) {
        throw new PodRejectedException(pod.getMetadata().getName(), e.getStatus() != null
            ? e.getStatus().getMessage() : e.getMessage());
      }
      throw e;
    }
  }
}
