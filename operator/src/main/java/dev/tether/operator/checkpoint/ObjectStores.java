package dev.tether.operator.checkpoint;

import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.ObjectStoreSpec;
import java.util.Optional;

/** Which object store, if any, a session's checkpoints also go to: its own choice, else the admin's default. */
public final class ObjectStores {
  private final ObjectStoreSpec adminDefault;

  public ObjectStores(ObjectStoreSpec adminDefault) {
    this.adminDefault = adminDefault;
  }

  public static ObjectStores none() {
    return new ObjectStores(null);
  }

  public Optional<ObjectStoreSpec> spec(AgentSession session) {
    ObjectStoreSpec own = session.getSpec().getCheckpoint().getObjectStore();
    return Optional.ofNullable(own != null ? own : adminDefault);
  }

  public Optional<ObjectStoreTarget> target(AgentSession session) {
    return spec(session).map(spec -> ObjectStoreTarget.of(session, spec));
  }
}
