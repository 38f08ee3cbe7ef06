package dev.tether.operator.status;

import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.AgentSessionStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.Objects;

/**
 * The only place that writes AgentSession status. Writes nothing when the status did not change, and
 * writes with optimistic locking (the resourceVersion the decision was based on): a decision taken on a
 * stale view fails with 409 and is retried on fresh data. This is what makes "epoch written before the
 * pod is created" safe. The written object is handed to JOSDK's cache so the next reconcile sees it.
 */
public final class StatusWriter {
  private final KubernetesSerialization serialization;

  public StatusWriter(KubernetesSerialization serialization) {
    this.serialization = serialization;
  }

  /** Returns the session as stored after the write (or unchanged when nothing differed). */
  public AgentSession write(AgentSession session, AgentSessionStatus desired, Context<AgentSession> context) {
    if (sameStatus(session.getStatus(), desired)) {
      return session;
    }
    AgentSession copy = new AgentSession();
    copy.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
        .withName(session.getMetadata().getName())
        .withNamespace(session.getMetadata().getNamespace())
        .withResourceVersion(session.getMetadata().getResourceVersion())
        .build());
    copy.setSpec(session.getSpec());
    copy.setStatus(desired);
    KubernetesClient client = context.getClient();
    AgentSession updated = client.resource(copy).updateStatus();
    context.eventSourceRetriever().getControllerEventSource()
        .handleRecentResourceUpdate(ResourceID.fromResource(updated), updated, session);
    return updated;
  }

  public boolean sameStatus(AgentSessionStatus a, AgentSessionStatus b) {
    return Objects.equals(serialization.convertValue(a, com.fasterxml.jackson.databind.JsonNode.class),
        serialization.convertValue(b, com.fasterxml.jackson.databind.JsonNode.class));
  }

  /** A deep copy, so a reconcile can build the desired status without touching the cached object. */
  public AgentSessionStatus copy(AgentSessionStatus status) {
    return status == null ? new AgentSessionStatus() : serialization.clone(status);
  }
}
