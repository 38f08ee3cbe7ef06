package dev.tether.operator.eviction;

import dev.tether.api.Tether;
import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.operator.events.EventRecorder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns an eviction attempt the webhook saw into an {@value EvictionRequests#REASON} Event on the pod's session.
 * Pods that are not a session's incarnation are left alone.
 */
public final class EvictionRecorder {
  private static final Logger LOG = LoggerFactory.getLogger(EvictionRecorder.class);

  private final KubernetesClient client;
  private final EventRecorder events;

  public EvictionRecorder(KubernetesClient client, EventRecorder events) {
    this.client = client;
    this.events = events;
  }

  public void attempted(String namespace, String podName, String user) {
    Pod pod;
    try {
      pod = client.pods().inNamespace(namespace).withName(podName).get();
    } catch (KubernetesClientException e) {
      LOG.warn("eviction of {}/{} requested, but the pod cannot be read: {}", namespace, podName, e.getMessage());
      return;
    }
    if (pod == null || pod.getMetadata().getOwnerReferences() == null) {
      return;
    }
    for (OwnerReference owner : pod.getMetadata().getOwnerReferences()) {
      if (Boolean.TRUE.equals(owner.getController()) && "AgentSession".equals(owner.getKind())
          && owner.getApiVersion() != null && owner.getApiVersion().startsWith(Tether.GROUP + "/")) {
        AgentSession session = new AgentSession();
        session.getMetadata().setName(owner.getName());
        session.getMetadata().setNamespace(namespace);
        session.getMetadata().setUid(owner.getUid());
        events.record(session, EventRecorder.Type.Normal, EvictionRequests.REASON,
            "eviction of pod " + podName + (pod.getSpec().getNodeName() == null ? "" : " on " + pod.getSpec().getNodeName())
                + " requested by " + user + "; the session moves after a final checkpoint",
            new ObjectReferenceBuilder().withApiVersion("v1").withKind("Pod").withName(podName)
                .withNamespace(namespace).withUid(pod.getMetadata().getUid()).build());
      }
    }
  }
}
