package dev.tether.testbed.sim;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** A fresh namespace and simulated cluster per test, against the shared apiserver. */
abstract class SimulationTestBase {
  static final Duration TIMEOUT = Duration.ofSeconds(30);

  final KubernetesClient client = SharedControlPlane.get().client();
  final TestRuntime runtime = new TestRuntime();
  final String suffix = UUID.randomUUID().toString().substring(0, 6);
  final String ns = "sim-" + suffix;
  SimulatedCluster cluster;

  @TempDir
  Path root;

  @BeforeEach
  void startCluster() {
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
    cluster = SimulatedCluster.start(client, root, options());
  }

  SimulatedCluster.Options options() {
    return SimulatedCluster.Options.defaults().withHeartbeatInterval(Duration.ofSeconds(1)).withRuntime(node -> runtime);
  }

  /** Leaves no nodes, pods or attachments behind for the next test (there is no controller-manager to do it). */
  @AfterEach
  void stopCluster() {
    cluster.close();
    client.pods().inNamespace(ns).withGracePeriod(0).delete();
    client.nodes().delete();
    client.storage().v1().volumeAttachments().delete();
    await().atMost(TIMEOUT).until(() -> client.nodes().list().getItems().isEmpty());
  }

  static ConditionFactory eventually() {
    return await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(100));
  }

  String nodeName(String base) {
    return base + "-" + suffix;
  }

  Pod createPod(String name, Map<String, String> nodeSelector) {
    return client.pods().inNamespace(ns).resource(podBuilder(name, nodeSelector).build()).create();
  }

  PodBuilder podBuilder(String name, Map<String, String> nodeSelector) {
    return new PodBuilder()
        .withNewMetadata().withName(name).withNamespace(ns).endMetadata()
        .withNewSpec()
          .withNodeSelector(nodeSelector)
          .addNewContainer().withName("main").withImage("agent:latest").endContainer()
        .endSpec();
  }

  Pod pod(String name) {
    return client.pods().inNamespace(ns).withName(name).get();
  }

  String nodeOf(String podName) {
    Pod pod = pod(podName);
    return pod == null ? null : pod.getSpec().getNodeName();
  }

  static Optional<PodCondition> condition(Pod pod, String type) {
    if (pod == null || pod.getStatus() == null || pod.getStatus().getConditions() == null) {
      return Optional.empty();
    }
    return pod.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  static boolean isRunningAndReady(Pod pod) {
    return pod != null && "Running".equals(pod.getStatus().getPhase())
        && condition(pod, "Ready").map(c -> "True".equals(c.getStatus())).orElse(false);
  }

  String phase(String podName) {
    Pod pod = pod(podName);
    return pod == null ? null : pod.getStatus().getPhase();
  }
}
