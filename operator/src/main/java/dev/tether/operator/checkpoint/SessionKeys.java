package dev.tether.operator.checkpoint;

import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.store.SessionKey;
import io.javaoperatorsdk.operator.processing.event.ResourceID;

/** Maps between Kubernetes identities and the store's session keys. */
public final class SessionKeys {
  private SessionKeys() {}

  public static SessionKey of(AgentSession session) {
    return new SessionKey(session.getMetadata().getNamespace(), session.getMetadata().getName());
  }

  public static ResourceID resourceId(SessionKey key) {
    return new ResourceID(key.name(), key.namespace());
  }
}
