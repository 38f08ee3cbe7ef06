package dev.tether.testbed.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tether.testbed.ControlPlane;
import dev.tether.testbed.Namespaces;
import dev.tether.testbed.SharedControlPlane;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The fault proxy against the real apiserver: it forwards, and each fault does exactly what it says. */
class ApiFaultProxyIT {
  static ControlPlane plane;
  static ApiFaultProxy proxy;
  static KubernetesClient client;
  static String ns;

  @BeforeAll
  static void start() {
    plane = SharedControlPlane.get();
    proxy = ApiFaultProxy.start(plane.config());
    client = new KubernetesClientBuilder().withConfig(proxy.clientConfig()).build();
    ns = Namespaces.create(plane.client(), "proxy");
  }

  @AfterAll
  static void stop() {
    client.close();
    proxy.close();
  }

  @Test
  void forwardsRequestsAndWatches() {
    List<String> seen = new CopyOnWriteArrayList<>();
    try (var watch = client.configMaps().inNamespace(ns).watch(recorder(seen))) {
      client.configMaps().inNamespace(ns).resource(configMap("plain")).create();
      assertThat(client.configMaps().inNamespace(ns).withName("plain").get().getData()).containsEntry("k", "v");
      await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains("ADDED plain"));
    }
  }

  @Test
  void aDroppedResponseFailsTheClientAfterTheApiServerAppliedTheWrite() {
    proxy.dropNextResponse(r -> "POST".equals(r.method()) && r.body().contains("\"dropped\""));
    assertThatThrownBy(() -> client.configMaps().inNamespace(ns).resource(configMap("dropped")).create())
        .isInstanceOf(KubernetesClientException.class);
    assertThat(plane.client().configMaps().inNamespace(ns).withName("dropped").get()).as("applied").isNotNull();
  }

  @Test
  void anInjectedConflictNeverReachesTheApiServer() {
    proxy.conflictNext(r -> "POST".equals(r.method()) && r.body().contains("\"refused\""));
    assertThatThrownBy(() -> client.configMaps().inNamespace(ns).resource(configMap("refused")).create())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));
    assertThat(plane.client().configMaps().inNamespace(ns).withName("refused").get()).isNull();
  }

  @Test
  void heldWatchEventsArriveLateAndInOrder() {
    List<String> seen = new CopyOnWriteArrayList<>();
    try (var watch = client.configMaps().inNamespace(ns).watch(recorder(seen))) {
      Instant release = Instant.now().plus(Duration.ofSeconds(3));
      proxy.holdWatchEvents(path -> path.contains("/configmaps"), Duration.ofSeconds(3));
      plane.client().configMaps().inNamespace(ns).resource(configMap("late-1")).create();
      plane.client().configMaps().inNamespace(ns).resource(configMap("late-2")).create();
      await().atMost(Duration.ofSeconds(15)).until(() -> seen.contains("ADDED late-2"));
      assertThat(Instant.now()).as("not before the hold ends").isAfterOrEqualTo(release);
      assertThat(seen.indexOf("ADDED late-1")).isLessThan(seen.indexOf("ADDED late-2"));
    }
  }

  private static ConfigMap configMap(String name) {
    return new ConfigMapBuilder().withNewMetadata().withName(name).endMetadata().addToData("k", "v").build();
  }

  private static Watcher<ConfigMap> recorder(List<String> seen) {
    return new Watcher<>() {
      @Override
      public void eventReceived(Action action, ConfigMap resource) {
        seen.add(action + " " + resource.getMetadata().getName());
      }

      @Override
      public void onClose(WatcherException cause) {}
    };
  }
}
