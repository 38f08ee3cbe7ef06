package dev.tether.operator.failover;

import dev.tether.api.v1alpha1.AgentSession;
import io.javaoperatorsdk.operator.api.reconciler.IndexedResourceCache;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/** Sessions by the node they run on or are migrating away from, so node events reach the right sessions. */
public final class SessionIndex {
  public static final String BY_NODE = "byNode";

  private SessionIndex() {}

  public static List<String> nodesOf(AgentSession session) {
    List<String> nodes = new ArrayList<>(2);
    var status = session.getStatus();
    if (status != null) {
      if (status.getNodeName() != null) {
        nodes.add(status.getNodeName());
      }
      if (status.getMigration() != null && status.getMigration().getFromNode() != null
          && !status.getMigration().getFromNode().equals(status.getNodeName())) {
        nodes.add(status.getMigration().getFromNode());
      }
    }
    return nodes;
  }

  public static Set<ResourceID> sessionsOn(IndexedResourceCache<AgentSession> cache, String node) {
    return cache.byIndex(BY_NODE, node).stream().map(ResourceID::fromResource).collect(Collectors.toSet());
  }
}
