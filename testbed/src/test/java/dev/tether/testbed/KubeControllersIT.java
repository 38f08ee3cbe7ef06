package dev.tether.testbed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class KubeControllersIT {
  private static ControlPlane plane;
  private static KubeControllers controllers;
  private static KubernetesClient client;

  @BeforeAll
  static void start() {
    plane = SharedControlPlane.get();
    client = plane.client();
    controllers = KubeControllers.start(plane);
  }

  @AfterAll
  static void stop() {
    if (controllers != null) {
      controllers.close();
    }
  }

  @Test
  void controllerManagerTurnsADeploymentIntoAReplicaSetAndAPod() {
    String ns = Namespaces.create(client, "controllers");
    client.apps().deployments().inNamespace(ns).resource(new DeploymentBuilder()
        .withNewMetadata().withName("web").endMetadata()
        .withNewSpec().withReplicas(1)
        .withNewSelector().addToMatchLabels("app", "web").endSelector()
        .withNewTemplate().withNewMetadata().addToLabels("app", "web").endMetadata()
        .withNewSpec().addNewContainer().withName("web").withImage("example.invalid/web:1").endContainer().endSpec()
        .endTemplate().endSpec().build()).create();

    // The controllers first need their ServiceAccount tokens, hence the generous timeout.
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      List<ReplicaSet> replicaSets = client.apps().replicaSets().inNamespace(ns).list().getItems();
      assertThat(replicaSets).singleElement()
          .satisfies(rs -> assertThat(rs.getMetadata().getOwnerReferences().get(0).getName()).isEqualTo("web"));
      List<Pod> pods = client.pods().inNamespace(ns).list().getItems();
      assertThat(pods).singleElement().satisfies(pod -> assertThat(pod.getMetadata().getOwnerReferences().get(0).getName())
          .isEqualTo(replicaSets.get(0).getMetadata().getName()));
    });
    assertThat(controllers.isRunning()).isTrue();

    // Leave no pending pod behind for a later scheduler on the shared control plane.
    client.apps().deployments().inNamespace(ns).withName("web").scale(0);
    await().atMost(Duration.ofSeconds(30)).until(() -> client.pods().inNamespace(ns).list().getItems().isEmpty());
  }

  @Test
  void schedulerBindsAPodToAReadyNode() {
    String ns = Namespaces.create(client, "scheduler");
    String node = ns + "-node";
    client.nodes().resource(readyNode(node)).create();
    try {
      client.pods().inNamespace(ns).resource(new PodBuilder().withNewMetadata().withName("agent").endMetadata()
          .withNewSpec().addNewContainer().withName("agent").withImage("example.invalid/agent:1").endContainer()
          .endSpec().build()).create();

      await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
          assertThat(client.pods().inNamespace(ns).withName("agent").get().getSpec().getNodeName()).isEqualTo(node));
    } finally {
      // A bound pod is only gone once deleted with grace period 0 (normally by its kubelet).
      client.pods().inNamespace(ns).withName("agent").withGracePeriod(0).delete();
      client.nodes().withName(node).delete();
    }
  }

  /** A Node as a kubelet registers it; nobody renews it, which is fine for the seconds this test takes. */
  private static Node readyNode(String name) {
    String now = Instant.now().toString();
    Map<String, Quantity> capacity = Map.of("cpu", new Quantity("4"), "memory", new Quantity("8Gi"),
        "pods", new Quantity("110"));
    return new NodeBuilder().withNewMetadata().withName(name).addToLabels("kubernetes.io/hostname", name).endMetadata()
        .withNewStatus().withCapacity(capacity).withAllocatable(capacity)
        .addNewCondition().withType("Ready").withStatus("True").withReason("KubeletReady")
        .withLastHeartbeatTime(now).withLastTransitionTime(now).endCondition()
        .endStatus().build();
  }
}
