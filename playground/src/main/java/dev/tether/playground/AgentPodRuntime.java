package dev.tether.playground;

import dev.tether.api.Tether;
import dev.tether.examples.agent.AgentListener;
import dev.tether.testbed.sim.PodRuntime;
import dev.tether.store.StoreConfig;
import io.fabric8.kubernetes.api.model.Pod;
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
  private final StoreConfig store;
  private final Function<Pod, AgentListener> listeners;

  public AgentPodRuntime(StoreConfig store) {
    this(store, pod -> AgentListener.NONE);
  }

  /** With a listener per pod, to follow what each incarnation's agent does. */
  public AgentPodRuntime(StoreConfig store, Function<Pod, AgentListener> listeners) {
    this.store = store;
    this.listeners = listeners;
  }

  @Override
  public RunningPod start(Pod pod, Map<String, Path> volumeDirsByClaimName) {
    Map<String, String> labels = pod.getMetadata().getLabels();
    if (labels == null || !labels.containsKey(Tether.LABEL_SESSION)) {
      return new IdlePod();
    }
    SessionPod session = SessionPod.of(pod, volumeDirsByClaimName);
    return AgentPod.start(session, store, listeners.apply(pod));
  }
}
