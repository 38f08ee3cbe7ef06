package dev.tether.install;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tether.api.Tether;
import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.SessionPhase;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

/**
 * The operator's core behaviour, written once and run on every kind of cluster: a real apiserver with simulated
 * nodes, and k3s with a real kubelet. Each scenario creates its own session in the namespace it is given and
 * returns the session as last observed, for cluster-specific checks.
 */
final class CoreScenarios {
  /** Generous: a real kubelet pulls the agent image on first use. */
  static final Duration TIMEOUT = Duration.ofSeconds(120);

  private final SessionCluster cluster;

  CoreScenarios(SessionCluster cluster) {
    this.cluster = cluster;
  }

  /** A new session runs as epoch 1 in its pod, with its checkpoint claim bound and its headless Service. */
  AgentSession sessionRunsWithVolumeAndService(String ns, String name) {
    create(ns, name);
    AgentSession running = awaitRunning(ns, name, 1);

    assertThat(running.getStatus().getPodName()).isEqualTo(name + "-1");
    Pod pod = client().pods().inNamespace(ns).withName(name + "-1").get();
    assertThat(pod.getSpec().getNodeName()).isEqualTo(running.getStatus().getNodeName()).isNotBlank();
    assertThat(pod.getMetadata().getLabels()).containsEntry(Tether.LABEL_EPOCH, "1");
    assertThat(pod.getSpec().getVolumes()).anySatisfy(v -> assertThat(v.getPersistentVolumeClaim())
        .isNotNull().satisfies(c -> assertThat(c.getClaimName()).isEqualTo(name + "-checkpoints")));
    PersistentVolumeClaim claim = await("claim " + name + "-checkpoints bound").atMost(TIMEOUT)
        .until(() -> client().persistentVolumeClaims().inNamespace(ns).withName(name + "-checkpoints").get(),
            c -> c != null && c.getStatus() != null && "Bound".equals(c.getStatus().getPhase()));
    assertThat(claim.getSpec().getVolumeName()).isNotBlank();
    assertThat(client().services().inNamespace(ns).withName(name).get().getSpec().getClusterIP()).isEqualTo("None");
    return running;
  }

  /** Deleting the session's pod starts the next incarnation, epoch 2, and nothing of epoch 1 stays. */
  AgentSession deletedPodIsReplacedWithTheNextEpoch(String ns, String name) {
    create(ns, name);
    awaitRunning(ns, name, 1);
    client().pods().inNamespace(ns).withName(name + "-1").delete();

    AgentSession replaced = awaitRunning(ns, name, 2);
    assertThat(replaced.getStatus().getPodName()).isEqualTo(name + "-2");
    assertThat(replaced.getStatus().getMigrations()).singleElement()
        .satisfies(m -> assertThat(m.getReason()).isEqualTo("PodDeleted"));
    await("only " + name + "-2 left").atMost(TIMEOUT)
        .until(() -> podNames(ns, name), names -> names.equals(List.of(name + "-2")));
    return replaced;
  }

  /** Suspending removes the pod and keeps the checkpoint claim; resuming starts the next epoch. */
  AgentSession suspendKeepsTheVolumeAndResumeStartsTheNextEpoch(String ns, String name) {
    create(ns, name);
    awaitRunning(ns, name, 1);
    String claimUid = client().persistentVolumeClaims().inNamespace(ns).withName(name + "-checkpoints").get()
        .getMetadata().getUid();

    setSuspend(ns, name, true);
    awaitSession(ns, name, s -> s.getStatus().getPhase() == SessionPhase.Suspended);
    await("no pod of suspended " + name).atMost(TIMEOUT).until(() -> podNames(ns, name).isEmpty());
    assertThat(client().persistentVolumeClaims().inNamespace(ns).withName(name + "-checkpoints").get()
        .getMetadata().getUid()).isEqualTo(claimUid);

    setSuspend(ns, name, false);
    AgentSession resumed = awaitRunning(ns, name, 2);
    assertThat(resumed.getStatus().getPodName()).isEqualTo(name + "-2");
    assertThat(client().persistentVolumeClaims().inNamespace(ns).withName(name + "-checkpoints").get()
        .getMetadata().getUid()).as("the same claim, with the checkpoints in it").isEqualTo(claimUid);
    return resumed;
  }

  AgentSession create(String ns, String name) {
    return client().resource(cluster.session(ns, name)).create();
  }

  AgentSession get(String ns, String name) {
    return client().resources(AgentSession.class).inNamespace(ns).withName(name).get();
  }

  AgentSession awaitRunning(String ns, String name, long epoch) {
    return awaitSession(ns, name, s -> s.getStatus().getPhase() == SessionPhase.Running
        && s.getStatus().getEpoch() == epoch);
  }

  AgentSession awaitSession(String ns, String name, Predicate<AgentSession> condition) {
    return await("session " + ns + "/" + name).atMost(TIMEOUT).pollInterval(Duration.ofMillis(200))
        .until(() -> get(ns, name), s -> s != null && s.getStatus() != null && condition.test(s));
  }

  List<String> podNames(String ns, String session) {
    return client().pods().inNamespace(ns).withLabel(Tether.LABEL_SESSION, session).list().getItems().stream()
        .map(p -> p.getMetadata().getName()).sorted().toList();
  }

  private void setSuspend(String ns, String name, boolean suspend) {
    client().resources(AgentSession.class).inNamespace(ns).withName(name).edit(s -> {
      s.getSpec().setSuspend(suspend);
      return s;
    });
  }

  private KubernetesClient client() {
    return cluster.admin();
  }
}
