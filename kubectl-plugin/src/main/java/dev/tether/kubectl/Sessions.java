package dev.tether.kubectl;

import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.AgentSessionStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.Optional;

/** Reads and patches AgentSessions; a missing session is an error that names it. */
final class Sessions {
  private Sessions() {}

  static MixedOperation<AgentSession, KubernetesResourceList<AgentSession>, Resource<AgentSession>> api(
      KubernetesClient client) {
    return client.resources(AgentSession.class);
  }

  static AgentSession get(KubernetesClient client, String namespace, String name) {
    AgentSession session = api(client).inNamespace(namespace).withName(name).get();
    if (session == null) {
      throw new CliError("agentsession " + name + " not found in namespace " + namespace);
    }
    return session;
  }

  /**
   * A JSON merge patch of the spec: it changes only the fields it names, so it never overwrites what someone
   * else changed since we read the session.
   */
  static AgentSession mergePatch(KubernetesClient client, String namespace, String name, String json) {
    return api(client).inNamespace(namespace).withName(name).patch(PatchContext.of(PatchType.JSON_MERGE), json);
  }

  static AgentSessionStatus status(AgentSession session) {
    return session.getStatus() == null ? new AgentSessionStatus() : session.getStatus();
  }

  static Optional<Condition> ready(AgentSession session) {
    var conditions = status(session).getConditions();
    return conditions == null ? Optional.empty()
        : conditions.stream().filter(c -> "Ready".equals(c.getType())).findFirst();
  }

  static String phase(AgentSession session) {
    var phase = status(session).getPhase();
    return phase == null ? "<none>" : phase.name();
  }

  static String ref(AgentSession session) {
    return "agentsession/" + session.getMetadata().getName();
  }
}
