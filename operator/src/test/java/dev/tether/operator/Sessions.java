package dev.tether.operator;

import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.AgentSessionSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;

/** AgentSessions for tests. */
public final class Sessions {
  private Sessions() {}

  public static AgentSession agent(String namespace, String name) {
    AgentSession session = new AgentSession();
    session.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
    AgentSessionSpec spec = new AgentSessionSpec();
    spec.setTemplate(new PodTemplateSpecBuilder()
        .withNewSpec()
          .addNewContainer().withName("agent").withImage("example.org/agent:1").endContainer()
        .endSpec()
        .build());
    session.setSpec(spec);
    return session;
  }
}
