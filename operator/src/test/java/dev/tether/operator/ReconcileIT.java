package dev.tether.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tether.api.Tether;
import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.SessionPhase;
import dev.tether.testbed.ControlPlane;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ReconcileIT {
  static ControlPlane cp;
  static TetherOperator operator;
  static KubernetesClient client;
  String ns;

  @BeforeAll
  static void start() {
    cp = ControlPlane.start();
    cp.installCrd();
    client = cp.client();
    operator = TetherOperator.start(cp.newClient(), OperatorSettings.defaults());
  }

  @AfterAll
  static void stop() {
    if (operator != null) {
      operator.close();
    }
    if (cp != null) {
      cp.close();
    }
  }

  @BeforeEach
  void namespace() {
    ns = "t-" + UUID.randomUUID().toString().substring(0, 8);
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
  }

  @Test
  void createsVolumeServiceAndFirstPodWithEpochOne() {
    client.resource(Sessions.agent(ns, "alpha")).create();
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      Pod pod = client.pods().inNamespace(ns).withName("alpha-1").get();
      assertThat(pod).isNotNull();
      assertThat(pod.getMetadata().getLabels()).containsEntry(Tether.LABEL_EPOCH, "1");
    });
    AgentSession s = client.resources(AgentSession.class).inNamespace(ns).withName("alpha").get();
    assertThat(s.getStatus().getEpoch()).isEqualTo(1);
    assertThat(s.getStatus().getPhase()).isEqualTo(SessionPhase.Pending);
    assertThat(client.persistentVolumeClaims().inNamespace(ns).withName("alpha-checkpoints").get()).isNotNull();
    assertThat(client.services().inNamespace(ns).withName("alpha").get().getSpec().getClusterIP()).isEqualTo("None");
  }
}
