package dev.tether.operator.failover;

import dev.tether.api.v1alpha1.AgentSession;

/**
 * The fencing epoch of a session's incarnations. Status is where the operator decides: an epoch is taken by
 * the optimistic status write that records it, so a decision made on a stale view (or repeated after a lost
 * response) fails there and leaves no trace. Only then is the checkpoint store raised to exactly that epoch,
 * which from that moment refuses the commits of every older incarnation.
 */
public interface EpochAuthority {
  /**
   * The epoch for the next incarnation: above {@code current} (the status epoch) and above anything the store
   * holds, so an epoch is never handed out twice. Reads only.
   */
  long next(AgentSession session, long current);

  /**
   * Raises the store's epoch to exactly {@code epoch}; idempotent. Returns the store's epoch afterwards:
   * {@code epoch}, or a larger one when another decision superseded it (an incarnation of {@code epoch} could
   * then never commit).
   */
  long establish(AgentSession session, long epoch);

  /** The epoch the store holds, as last seen (0 for none); {@code current} when there is no store. */
  long stored(AgentSession session, long current);

  /** Status is the record: the next epoch is one more than the last one written to status. */
  EpochAuthority STATUS_ONLY = new EpochAuthority() {
    @Override
    public long next(AgentSession session, long current) {
      return current + 1;
    }

    @Override
    public long establish(AgentSession session, long epoch) {
      return epoch;
    }

    @Override
    public long stored(AgentSession session, long current) {
      return current;
    }
  };
}
