package dev.tether.playground;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tether.api.Tether;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/**
 * The object-store variables a session pod's supervisor container would get: the non-secret ones from the pod's
 * annotation, the credentials from the Secret it names, read the way the kubelet resolves a secretKeyRef.
 */
final class ObjectStoreEnv {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ObjectStoreEnv() {}

  /** Empty when the pod has no object store; IllegalStateException when its Secret or a key is missing. */
  static Map<String, String> of(Pod pod, KubernetesClient client) {
    String annotation = pod.getMetadata().getAnnotations() == null ? null
        : pod.getMetadata().getAnnotations().get(Tether.ANNOTATION_OBJECT_STORE);
    if (annotation == null) {
      return Map.of();
    }
    Map<String, String> env;
    try {
      env = new HashMap<>(JSON.readValue(annotation, new TypeReference<Map<String, String>>() {}));
    } catch (IOException e) {
      throw new IllegalStateException("annotation " + Tether.ANNOTATION_OBJECT_STORE + " is not JSON: " + e.getMessage());
    }
    String secretName = env.remove("credentialsSecret");
    Secret secret = client.secrets().inNamespace(pod.getMetadata().getNamespace()).withName(secretName).get();
    if (secret == null) {
      throw new IllegalStateException("secret \"" + secretName + "\" not found");
    }
    env.put("TETHER_OBJECT_STORE_ACCESS_KEY_ID", key(secret, "accessKeyId"));
    env.put("TETHER_OBJECT_STORE_SECRET_ACCESS_KEY", key(secret, "secretAccessKey"));
    return Map.copyOf(env);
  }

  private static String key(Secret secret, String key) {
    if (secret.getData() != null && secret.getData().get(key) != null) {
      return new String(Base64.getDecoder().decode(secret.getData().get(key)), StandardCharsets.UTF_8);
    }
    if (secret.getStringData() != null && secret.getStringData().get(key) != null) {
      return secret.getStringData().get(key);
    }
    throw new IllegalStateException("couldn't find key " + key + " in Secret " + secret.getMetadata().getNamespace()
        + "/" + secret.getMetadata().getName());
  }
}
