package dev.tether.testbed.sim;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.time.Instant;
import java.util.Optional;

/** Whether a Node looks alive from the API: Ready=True and a Lease renewed within its duration. */
final class NodeHealth {
  private NodeHealth() {}

  static boolean isHealthy(Node node, Optional<Lease> lease, Instant now) {
    boolean ready = node.getStatus() != null && node.getStatus().getConditions() != null
        && node.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    return ready && lease.map(l -> leaseFresh(l, now)).orElse(false);
  }

  static boolean leaseFresh(Lease lease, Instant now) {
    var spec = lease.getSpec();
    if (spec == null || spec.getRenewTime() == null || spec.getLeaseDurationSeconds() == null) {
      return false;
    }
    return spec.getRenewTime().toInstant().plusSeconds(spec.getLeaseDurationSeconds()).isAfter(now);
  }
}
