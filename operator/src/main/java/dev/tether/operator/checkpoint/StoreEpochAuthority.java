package dev.tether.operator.checkpoint;

import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.operator.failover.EpochAuthority;
import dev.tether.store.ContextStore;
import dev.tether.store.SessionKey;

/**
 * Raises the epoch in the checkpoint store before a new pod exists, so that from then on the store refuses
 * commits of every older incarnation. The next epoch is above both status and store, so a status that
 * lags behind the store (an operator stopped between the two writes) never reuses an epoch.
 */
public final class StoreEpochAuthority implements EpochAuthority {
  private final ContextStore store;

  public StoreEpochAuthority(ContextStore store) {
    this.store = store;
  }

  @Override
  public long next(AgentSession session, long current) {
    SessionKey key = SessionKeys.of(session);
    long next = Math.max(current, store.epoch(key)) + 1;
    while (true) {
      long stored = store.advanceEpoch(key, next);
      if (stored == next) {
        return next;
      }
      next = stored + 1;
    }
  }
}
