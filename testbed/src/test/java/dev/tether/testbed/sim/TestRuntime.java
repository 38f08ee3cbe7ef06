package dev.tether.testbed.sim;

import io.fabric8.kubernetes.api.model.Pod;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/** A pod runtime for tests: remembers what it started and lets the test end a pod's work. */
final class TestRuntime implements PodRuntime {
  private final Map<String, TestPod> started = new ConcurrentHashMap<>();

  @Override
  public RunningPod start(Pod pod, Map<String, Path> volumeDirsByClaimName) {
    var running = new TestPod(Map.copyOf(volumeDirsByClaimName));
    started.put(pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName(), running);
    return running;
  }

  /** The latest start of that pod, or null. */
  TestPod pod(String namespace, String name) {
    return started.get(namespace + "/" + name);
  }

  static final class TestPod implements RunningPod {
    final Map<String, Path> volumeDirs;
    final CompletableFuture<Integer> exit = new CompletableFuture<>();
    volatile boolean stopped;
    volatile boolean killed;

    TestPod(Map<String, Path> volumeDirs) {
      this.volumeDirs = volumeDirs;
    }

    boolean running() {
      return !stopped && !killed && !exit.isDone();
    }

    @Override
    public void stop() {
      stopped = true;
      exit.complete(143);
    }

    @Override
    public void kill() {
      killed = true;
      exit.complete(137);
    }

    @Override
    public CompletableFuture<Integer> exit() {
      return exit;
    }
  }
}
