package dev.tether.operator.controller;

import dev.tether.operator.failover.NodeFailure;
import java.util.Optional;

/** Why the current incarnation is lost, if it is. */
public record Loss(String reason, String message, Optional<NodeFailure> nodeFailure) {
  public static final String POD_DELETED = "PodDeleted";
  public static final String EVICTED = "Evicted";
  public static final String POD_FAILED = "PodFailed";
  public static final String SPEC_CHANGED = "SpecChanged";
  /**
   * The checkpoint store holds a higher epoch than the incarnation's: another decision fenced it, and it can
   * never commit again.
   */
  public static final String SUPERSEDED = "Superseded";
  /** The node is being drained (cordoned, or tainted by an autoscaler): a planned move with a final checkpoint. */
  public static final String DRAIN = "Drain";
  /** spec.rollback asked for an older checkpoint: the next incarnation restores it (see RollbackRequests). */
  public static final String ROLLBACK = "Rollback";

  /** Planned moves do not count against maxMigrations or backoff. */
  public boolean planned() {
    return isPlanned(reason);
  }

  public static boolean isPlanned(String reason) {
    return SPEC_CHANGED.equals(reason) || DRAIN.equals(reason) || ROLLBACK.equals(reason);
  }

  public boolean nodeBased() {
    return nodeFailure.isPresent();
  }
}
