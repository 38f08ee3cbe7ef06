package dev.tether.operator.failover;

import dev.tether.api.v1alpha1.AgentSession;

/**
 * Hands out the epoch of a new incarnation. The epoch must strictly increase and never be reused, also
 * across operator restarts; the checkpoint store raises it there too, so an older incarnation can no
 * longer commit.
 */
public interface EpochAuthority {
  /** Raises and returns the epoch for the next incarnation, greater than {@code current}. */
  long next(AgentSession session, long current);

  /** Status is the record: the next epoch is one more than the last one written to status. */
  EpochAuthority STATUS_ONLY = (session, current) -> current + 1;
}
