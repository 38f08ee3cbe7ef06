package dev.tether.testbed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ControlPlaneRestartIT {
  private static ControlPlane plane;

  @BeforeAll
  static void start() {
    plane = SharedControlPlane.get();
  }

  @AfterEach
  void apiServerUp() {
    plane.startApiServer();
  }

  @Test
  void clientsAndInformersKeepWorkingAcrossARestart() {
    String namespace = namespace();
    try (KubernetesClient client = plane.newClient()) {
      client.configMaps().inNamespace(namespace).resource(configMap("before")).create();
      Set<String> seen = ConcurrentHashMap.newKeySet();
      var informer = client.configMaps().inNamespace(namespace).inform(new ResourceEventHandler<>() {
        @Override
        public void onAdd(ConfigMap obj) {
          seen.add(obj.getMetadata().getName());
        }

        @Override
        public void onUpdate(ConfigMap oldObj, ConfigMap newObj) {}

        @Override
        public void onDelete(ConfigMap obj, boolean deletedFinalStateUnknown) {}
      });
      try {
        await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains("before"));
        String url = plane.url();

        plane.restartApiServer();

        assertThat(plane.url()).isEqualTo(url);
        assertThat(client.configMaps().inNamespace(namespace).withName("before").get()).isNotNull();
        plane.client().configMaps().inNamespace(namespace).resource(configMap("after")).create();
        await().atMost(Duration.ofSeconds(30)).until(() -> seen.contains("after"));
      } finally {
        informer.close();
      }
    }
  }

  @Test
  void dataStaysWhileTheApiServerIsDown() {
    String namespace = namespace();
    plane.client().configMaps().inNamespace(namespace).resource(configMap("kept")).create();
    Config noRetries = plane.config();
    noRetries.setRequestRetryBackoffLimit(0);
    noRetries.setRequestTimeout(2_000);

    plane.stopApiServer();

    assertThat(plane.isApiServerRunning()).isFalse();
    try (KubernetesClient impatient = new KubernetesClientBuilder().withConfig(noRetries).build()) {
      assertThatThrownBy(() -> impatient.configMaps().inNamespace(namespace).withName("kept").get())
          .isInstanceOf(KubernetesClientException.class);
    }

    plane.startApiServer();

    ConfigMap kept = plane.client().configMaps().inNamespace(namespace).withName("kept").get();
    assertThat(kept.getData()).containsEntry("key", "kept");
  }

  private static String namespace() {
    return Namespaces.create(plane.client(), "restart");
  }

  private static ConfigMap configMap(String name) {
    return new ConfigMapBuilder().withNewMetadata().withName(name).endMetadata().addToData("key", name).build();
  }
}
