package dev.tether.playground;

import dev.tether.api.Tether;
import dev.tether.examples.agent.AgentListener;
import dev.tether.testbed.sim.PodRuntime;
import dev.tether.store.StoreConfig;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;

/**
 * Session pods that really run on a simulated node: the session supervisor in-process (checkpoints to the pod's
 * volume directory and to the checkpoint etcd) and the example {@link dev.tether.examples.agent.StepAgent}
 * talking HTTP to it, configured from the agent container's environment as the operator wrote it. Pods that
 * belong to no AgentSession idle.
 */
public final class AgentPodRuntime implements PodRuntime {
  private static final Logger LOG = LoggerFactory.getLogger(AgentPodRuntime.class);
  private final StoreConfig store;
  private final Function<Pod, AgentListener> listeners;
  private final KubernetesClient client;

  public AgentPodRuntime(StoreConfig store, KubernetesClient client) {
    this(store, pod -> AgentListener.NONE, client);
  }

  /**
   * With a listener per pod, to follow what each incarnation's agent does.
   *
   * @param client reads the Secrets a pod's supervisor would get from the kubelet
   */
  public AgentPodRuntime(StoreConfig store, Function<Pod, AgentListener> listeners, KubernetesClient client) {
    this.store = store;
    this.listeners = listeners;
    this.client = client;
  }

  @Override
  public RunningPod start(Pod pod, Map<String, Path> volumeDirsByClaimName) {
    Map<String, String> labels = pod.getMetadata().getLabels();
    if (labels == null || !labels.containsKey(Tether.LABEL_SESSION)) {
      return new IdlePod();
    }
    SessionPod session = SessionPod.of(pod, volumeDirsByClaimName);
    Map<String, String> objectStore;
    try {
      objectStore = ObjectStoreEnv.of(pod, client);
    } catch (IllegalStateException e) {
      // What a kubelet reports as CreateContainerConfigError: the supervisor never starts.
      LOG.warn("{}: {}", pod.getMetadata().getName(), e.getMessage());
      IdlePod failed = new IdlePod();
      failed.kill();
      return failed;
    }
    return AgentPod.start(session, store, listeners.apply(pod), objectStore);
  }
}
