package dev.tether.operator.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tether.api.Tether;
import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.operator.pod.SessionPodFactory;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Points the supervisor of a session with an object-store tier at its store and prefix (credentials by reference
 * to the tenant's Secret, in the supervisor container only), and records the non-secret settings on the pod.
 */
public final class ObjectStoreDecorator implements SessionPodFactory.PodDecorator {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final ObjectStores stores;

  public ObjectStoreDecorator(ObjectStores stores) {
    this.stores = stores;
  }

  @Override
  public void decorate(AgentSession session, long epoch, PodSpec spec) {
    stores.target(session).ifPresent(target -> Stream.concat(spec.getContainers().stream(),
            spec.getInitContainers() == null ? Stream.empty() : spec.getInitContainers().stream())
        .filter(c -> SupervisorSidecar.CONTAINER.equals(c.getName()))
        .forEach(c -> addEnv(c, target.supervisorEnv())));
  }

  @Override
  public void annotate(AgentSession session, Map<String, String> annotations) {
    stores.target(session).ifPresent(target -> annotations.put(Tether.ANNOTATION_OBJECT_STORE, annotation(target)));
  }

  /** The supervisor's non-secret variables and the name of the credentials Secret, as JSON. */
  public static String annotation(ObjectStoreTarget target) {
    Map<String, String> value = new LinkedHashMap<>(target.settings());
    value.put("credentialsSecret", target.credentialsSecret());
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void addEnv(Container container, List<EnvVar> env) {
    List<EnvVar> all = new ArrayList<>(container.getEnv() == null ? List.of() : container.getEnv());
    all.addAll(env);
    container.setEnv(all);
  }
}
