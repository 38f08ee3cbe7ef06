package dev.tether.operator;

import dev.tether.testbed.sim.PodRuntime;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The pod runtimes of all simulated nodes, watched from outside: which pods really run where, whatever the
 * API says. A partitioned node keeps running its pods; only this shows when it finally stops them.
 */
public final class LiveRuntimes {
  private final Map<String, String> nodeByPod = new ConcurrentHashMap<>();
  private final Set<String> neverReady = ConcurrentHashMap.newKeySet();
  private final Set<String> overlapped = ConcurrentHashMap.newKeySet();

  /** A runtime for the named node that records its pods while they run. */
  public PodRuntime forNode(String node) {
    PodRuntime idle = PodRuntime.idle();
    return (pod, volumes) -> {
      String key = key(pod.getMetadata().getNamespace(), pod.getMetadata().getName());
      PodRuntime.RunningPod idlePod = idle.start(pod, volumes);
      PodRuntime.RunningPod running = !neverReady.contains(key) ? idlePod : new PodRuntime.RunningPod() {
        @Override
        public void stop() {
          idlePod.stop();
        }

        @Override
        public void kill() {
          idlePod.kill();
        }

        @Override
        public java.util.concurrent.CompletableFuture<Integer> exit() {
          return idlePod.exit();
        }

        @Override
        public java.util.concurrent.CompletableFuture<Void> ready() {
          return new java.util.concurrent.CompletableFuture<>();
        }
      };
      String session = pod.getMetadata().getName().replaceFirst("-[0-9]+$", "");
      if (!runningPodsOf(pod.getMetadata().getNamespace(), session).isEmpty()) {
        overlapped.add(key(pod.getMetadata().getNamespace(), session));
      }
      nodeByPod.put(key, node);
      running.exit().whenComplete((code, error) -> nodeByPod.remove(key, node));
      return running;
    };
  }

  /** The pod of that name, once started, runs but never reports Ready (e.g. a restore that hangs). */
  public void neverReady(String namespace, String pod) {
    neverReady.add(key(namespace, pod));
  }

  /** Whether the pod's runtime runs on some node. */
  public boolean isRunning(String namespace, String pod) {
    return nodeByPod.containsKey(key(namespace, pod));
  }

  /** The pods of a session whose runtimes run now, e.g. to check that no two incarnations overlap. */
  public Set<String> runningPodsOf(String namespace, String session) {
    String prefix = key(namespace, session + "-");
    return nodeByPod.keySet().stream().filter(k -> k.startsWith(prefix) && k.substring(prefix.length()).matches("[0-9]+"))
        .map(k -> k.substring(namespace.length() + 1)).collect(java.util.stream.Collectors.toSet());
  }

  /** Whether a pod of the session ever started while another pod of it still ran. */
  public boolean overlapped(String namespace, String session) {
    return overlapped.contains(key(namespace, session));
  }

  private static String key(String namespace, String pod) {
    return namespace + "/" + pod;
  }
}
