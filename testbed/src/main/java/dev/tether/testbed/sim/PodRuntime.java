package dev.tether.testbed.sim;

import io.fabric8.kubernetes.api.model.Pod;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * What a simulated node runs in place of containers. Called on the node's own thread: {@link #start} must
 * return quickly and do its work elsewhere.
 */
@FunctionalInterface
public interface PodRuntime {
  /**
   * Starts the pod's work.
   *
   * @param volumeDirsByClaimName the local directory behind each PersistentVolumeClaim the pod mounts
   */
  RunningPod start(Pod pod, Map<String, Path> volumeDirsByClaimName);

  /** A runtime whose pods do nothing and run until stopped or killed (then exit 137 / 143 like a container). */
  static PodRuntime idle() {
    return (pod, volumes) -> new IdlePod();
  }

  /** One started pod. */
  interface RunningPod {
    /** Graceful stop (SIGTERM). */
    void stop();

    /** Abrupt end (the machine died). */
    void kill();

    /** Completes when the pod's main work exits, with its exit code. */
    CompletableFuture<Integer> exit();

    /** Completes when the pod is ready to serve; by default at once. */
    default CompletableFuture<Void> ready() {
      return CompletableFuture.completedFuture(null);
    }
  }

  /** Runs until told otherwise. */
  final class IdlePod implements RunningPod {
    private final CompletableFuture<Integer> exit = new CompletableFuture<>();

    @Override
    public void stop() {
      exit.complete(143);
    }

    @Override
    public void kill() {
      exit.complete(137);
    }

    @Override
    public CompletableFuture<Integer> exit() {
      return exit;
    }
  }
}
