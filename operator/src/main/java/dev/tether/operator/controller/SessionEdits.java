package dev.tether.operator.controller;

import dev.tether.api.v1alpha1.AgentSession;
import io.fabric8.kubernetes.client.KubernetesClient;

/** The operator's own writes to a session's spec or existence, on the session's lifecycle settings. */
public class SessionEdits {
  private final KubernetesClient client;

  public SessionEdits(KubernetesClient client) {
    this.client = client;
  }

  /** Sets spec.suspend to true, as a user would: the next pass suspends it, and false resumes it. */
  public void suspend(AgentSession session) {
    client.resources(AgentSession.class).inNamespace(session.getMetadata().getNamespace())
        .withName(session.getMetadata().getName()).edit(s -> {
          s.getSpec().setSuspend(true);
          return s;
        });
  }

  public void delete(AgentSession session) {
    client.resources(AgentSession.class).inNamespace(session.getMetadata().getNamespace())
        .withName(session.getMetadata().getName()).delete();
  }
}
