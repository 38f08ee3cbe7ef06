package dev.tether.operator.pod;

import dev.tether.api.v1alpha1.AgentSession;

/**
 * Tells the supervisor of an incarnation whose agent has finished to exit, so that the pod completes (an
 * ordinary sidecar container would keep it Running). Native sidecars are stopped by the kubelet instead.
 */
@FunctionalInterface
public interface SupervisorStop {
  SupervisorStop NONE = (session, epoch) -> { };

  void request(AgentSession session, long epoch);
}
