package dev.tether.operator.failover;

import java.time.Instant;

/** Why a node is considered failed, and since when (the last sign of life). */
public record NodeFailure(String node, Reason reason, Instant lastSeen, String message) {
  public enum Reason {
    /** Lease not renewed / Ready not True for longer than the detection timeout. */
    NodeFailed,
    /** The Node object is gone. */
    NodeDeleted,
    /** An admin marked it node.kubernetes.io/out-of-service. */
    NodeOutOfService
  }
}
