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

  /** The checkpoint volume claim in use: the first one, until a node failure replaced it (status.volumeClaim). */
  public static String claimName(AgentSession session) {
    var status = session.getStatus();
    return status != null && status.getVolumeClaim() != null ? status.getVolumeClaim() : firstClaimName(session);
  }

  public static String firstClaimName(AgentSession session) {
    return session.getMetadata().getName() + "-checkpoints";
  }

  /** The claim that replaces one left on the failed node of incarnation {@code lostEpoch}; one name per loss. */
  public static String replacementClaimName(AgentSession session, long lostEpoch) {
    return firstClaimName(session) + "-" + lostEpoch;
  }

  public static String serviceName(AgentSession session) {
    return session.getMetadata().getName();
  }

  public static String podName(AgentSession session, long epoch) {
    return session.getMetadata().getName() + "-" + epoch;
  }
}
