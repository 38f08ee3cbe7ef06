package dev.tether.playground;

import dev.tether.api.Tether;
import dev.tether.store.SessionKey;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a simulated session pod needs to know about itself, read the way its containers would: from the
 * environment the operator set on the agent container, and the directory behind its checkpoint volume.
 */
record SessionPod(String podName, SessionKey session, long epoch, Path checkpointDir, Map<String, String> env) {

  static SessionPod of(Pod pod, Map<String, Path> volumeDirsByClaimName) {
    Container agent = pod.getSpec().getContainers().get(0);
    Map<String, String> env = new LinkedHashMap<>();
    if (agent.getEnv() != null) {
      for (EnvVar var : agent.getEnv()) {
        if (var.getValue() != null) {
          env.put(var.getName(), var.getValue());
        }
      }
    }
    String claim = pod.getSpec().getVolumes().stream()
        .filter(v -> Tether.CHECKPOINT_VOLUME.equals(v.getName()) && v.getPersistentVolumeClaim() != null)
        .map(Volume::getPersistentVolumeClaim).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("pod " + pod.getMetadata().getName()
            + " has no " + Tether.CHECKPOINT_VOLUME + " volume"))
        .getClaimName();
    Path dir = volumeDirsByClaimName.get(claim);
    if (dir == null) {
      throw new IllegalArgumentException("no local directory for claim " + claim);
    }
    return new SessionPod(pod.getMetadata().getName(),
        SessionKey.of(required(env, Tether.ENV_SESSION_NAMESPACE), required(env, Tether.ENV_SESSION_NAME)),
        Long.parseLong(required(env, Tether.ENV_EPOCH)), dir, Map.copyOf(env));
  }

  private static String required(Map<String, String> env, String name) {
    String value = env.get(name);
    if (value == null) {
      throw new IllegalArgumentException(name + " is not set on the agent container");
    }
    return value;
  }
}
