package dev.tether.playground;

import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.ObjectStoreSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Where the playground runs its sessions: simulated nodes with the operator in-process, or real nodes
 * (kubelets with containerd and runc) with Tether installed by its Helm chart.
 */
interface Stage extends AutoCloseable {
  enum Failure { crash, partition, delete_node, drain }

  /** What runs, for the first line of the timeline. */
  String describe();

  KubernetesClient client();

  Path kubeconfigFile();

  String createNamespace();

  /** The example step agent's session with this pace. */
  AgentSession session(String namespace, String name, int steps, int stepMillis, int checkpointEvery);

  /**
   * Runs an object store with the S3 API for the sessions of {@code namespace} (S3Proxy: a pod on real nodes, in
   * this process on simulated ones) and its credentials Secret there; returns the tier a session names.
   */
  ObjectStoreSpec objectStore(String namespace);

  /** Breaks node {@code node}; drain only cordons it (the operator then moves its sessions). */
  void inject(Failure failure, String node);

  /** Called with what the agents did (restores, resumes, fencing), as they do it. */
  void follow(Consumer<AgentJournal.Entry> follower);

  /** Steps done twice across incarnations; empty where the stage cannot tell. */
  Optional<Integer> repeatedSteps(String namespace, String session);

  /** Empty when the session's newest checkpoint holds every step exactly once, else what is wrong. */
  Optional<String> problem(String namespace, String session, int steps);

  @Override
  void close();
}
