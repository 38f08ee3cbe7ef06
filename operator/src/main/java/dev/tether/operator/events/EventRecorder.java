package dev.tether.operator.events;

import dev.tether.api.Tether;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The only place that emits Kubernetes Events. Repeats of the same reason and message on the same object
 * are aggregated into one Event with a count, as client-go's recorder does. Never throws: an Event that
 * cannot be written must not fail a reconcile.
 */
public final class EventRecorder {
  public static final String COMPONENT = Tether.MANAGER;
  private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);

  public enum Type { Normal, Warning }

  private final KubernetesClient client;

  public EventRecorder(KubernetesClient client) {
    this.client = client;
  }

  public void normal(HasMetadata object, String reason, String message) {
    record(object, Type.Normal, reason, message);
  }

  public void warning(HasMetadata object, String reason, String message) {
    record(object, Type.Warning, reason, message);
  }

  public void record(HasMetadata object, Type type, String reason, String message) {
    record(object, type, reason, message, null);
  }

  /** With {@code related}: the second object the Event is about (e.g. the pod of a session). */
  public void record(HasMetadata object, Type type, String reason, String message, ObjectReference related) {
    String namespace = object.getMetadata().getNamespace();
    String name = object.getMetadata().getName() + "." + shortHash(object.getMetadata().getUid() + type + reason + message);
    String now = dev.tether.operator.support.Times.formatMillis(Instant.now());
    LOG.info("event {} {}/{} {}: {}", type, namespace, object.getMetadata().getName(), reason, message);
    try {
      var events = client.v1().events().inNamespace(namespace);
      Event existing = events.withName(name).get();
      if (existing != null) {
        events.withName(name).edit(e -> new EventBuilder(e)
            .withCount(e.getCount() == null ? 2 : e.getCount() + 1)
            .withLastTimestamp(now)
            .build());
        return;
      }
      events.resource(new EventBuilder()
          .withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
          .withInvolvedObject(new ObjectReferenceBuilder()
              .withApiVersion(object.getApiVersion())
              .withKind(object.getKind())
              .withName(object.getMetadata().getName())
              .withNamespace(namespace)
              .withUid(object.getMetadata().getUid())
              .withResourceVersion(object.getMetadata().getResourceVersion())
              .build())
          .withType(type.name())
          .withReason(reason)
          .withMessage(message)
          .withCount(1)
          .withFirstTimestamp(now)
          .withLastTimestamp(now)
          .withNewSource().withComponent(COMPONENT).endSource()
          .withReportingComponent(COMPONENT)
          .withRelated(related)
          .build()).create();
    } catch (KubernetesClientException e) {
      LOG.warn("could not record event {} on {}/{}: {}", reason, namespace, object.getMetadata().getName(),
          e.getMessage());
    }
  }

  private static String shortHash(String text) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 6);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
