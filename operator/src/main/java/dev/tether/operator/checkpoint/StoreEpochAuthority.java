package dev.tether.operator.checkpoint;

import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.operator.failover.EpochAuthority;
import dev.tether.store.ContextStore;

/** Epochs fenced in the checkpoint store (etcd); what it holds is followed by the store's watch. */
public final class StoreEpochAuthority implements EpochAuthority {
  private final ContextStore store;
  private final CheckpointFollower follower;

  public StoreEpochAuthority(ContextStore store, CheckpointFollower follower) {
    this.store = store;
    this.follower = follower;
  }

  @Override
  public long next(AgentSession session, long current) {
    return Math.max(current, store.epoch(SessionKeys.of(session))) + 1;
  }

  @Override
  public long establish(AgentSession session, long epoch) {
    return store.advanceEpoch(SessionKeys.of(session), epoch);
  }

  @Override
  public long stored(AgentSession session, long current) {
    return follower.epoch(SessionKeys.of(session));
  }
}
