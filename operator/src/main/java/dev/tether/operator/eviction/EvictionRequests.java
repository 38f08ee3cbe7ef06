package dev.tether.operator.eviction;

import dev.tether.api.v1alpha1.AgentSession;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.javaoperatorsdk.operator.api.config.informer.FieldSelectorBuilder;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.Optional;
import java.util.Set;

/**
 * Eviction attempts on session pods, as the eviction webhook records them: an {@value #REASON} Event on the
 * session with the pod as its related object. Any operator replica may answer the webhook; the leader sees the
 * Event through this informer, which wakes the session, and moves it like a drained one. Without the webhook the
 * informer stays empty.
 */
public final class EvictionRequests {
  public static final String REASON = "EvictionRequested";

  private final InformerEventSource<Event, AgentSession> events;

  private EvictionRequests(InformerEventSource<Event, AgentSession> events) {
    this.events = events;
  }

  public static EvictionRequests create(EventSourceContext<AgentSession> context) {
    var config = InformerEventSourceConfiguration.from(Event.class, AgentSession.class)
        .withName("eviction-requests")
        .withFieldSelector(new FieldSelectorBuilder().withField("reason", REASON)
            .withField("involvedObject.kind", "AgentSession").build())
        .withSecondaryToPrimaryMapper(e -> e.getInvolvedObject() == null ? Set.of()
            : Set.of(new ResourceID(e.getInvolvedObject().getName(), e.getMetadata().getNamespace())))
        .build();
    return new EvictionRequests(new InformerEventSource<>(config, context));
  }

  public InformerEventSource<Event, AgentSession> eventSource() {
    return events;
  }

  /** The message of an eviction attempt on this very pod (matched by UID), if there was one. */
  public Optional<String> requestedFor(AgentSession session, Pod pod) {
    String uid = pod.getMetadata().getUid();
    if (uid == null) {
      return Optional.empty();
    }
    return events.list(session.getMetadata().getNamespace())
        .filter(e -> e.getRelated() != null && uid.equals(e.getRelated().getUid()))
        .filter(e -> e.getInvolvedObject() != null
            && session.getMetadata().getName().equals(e.getInvolvedObject().getName()))
        .map(Event::getMessage)
        .findFirst();
  }
}
