package dev.tether.operator.controller;

import dev.tether.operator.failover.NodeFailure;
import java.util.Optional;

/** Why the current incarnation is lost, if it is. */
public record Loss(String reason, String message, Optional<NodeFailure> nodeFailure) {
  public static final String POD_DELETED = "PodDeleted";
  public static final String EVICTED = "Evicted";
  public static final String POD_FAILED = "PodFailed";
  public static final String SPEC_CHANGED = "SpecChanged";

  /** Planned moves do not count against maxMigrations and do not avoid the old node. */
  public boolean planned() {
    return SPEC_CHANGED.equals(reason);
  }

  public boolean nodeBased() {
    return nodeFailure.isPresent();
  }
}
