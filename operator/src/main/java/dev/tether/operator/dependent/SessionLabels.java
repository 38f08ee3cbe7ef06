package dev.tether.operator.dependent;

import dev.tether.api.Tether;
import dev.tether.api.v1alpha1.AgentSession;
import java.util.LinkedHashMap;
import java.util.Map;

/** Names and labels of the objects a session owns. */
public final class SessionLabels {
  /** Selects everything the operator created; keeps the informers' caches to our own objects. */
  public static final String SELECTOR = Tether.LABEL_MANAGED_BY + "=" + Tether.MANAGER;

  private SessionLabels() {}

  public static Map<String, String> of(AgentSession session) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(Tether.LABEL_MANAGED_BY, Tether.MANAGER);
    labels.put(Tether.LABEL_SESSION, session.getMetadata().getName());
    return labels;
  }

  public static String claimName(AgentSession session) {
    return session.getMetadata().getName() + "-checkpoints";
  }

  public static String serviceName(AgentSession session) {
    return session.getMetadata().getName();
  }

  public static String podName(AgentSession session, long epoch) {
    return session.getMetadata().getName() + "-" + epoch;
  }
}
