package dev.tether.testbed;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;

class NamespacesIT {
  @Test
  void eachCallGivesAFreshNamespaceOnTheSharedControlPlane() {
    KubernetesClient client = SharedControlPlane.get().client();

    String first = Namespaces.create(client, "NamespacesIT");
    String second = Namespaces.create(client, "NamespacesIT");

    assertThat(first).startsWith("namespacesit-").isNotEqualTo(second);
    assertThat(client.namespaces().withName(first).get()).isNotNull();
    assertThat(client.namespaces().withName(second).get()).isNotNull();
    assertThat(SharedControlPlane.get()).isSameAs(SharedControlPlane.get());
    assertThat(client.apiextensions().v1().customResourceDefinitions().withName("agentsessions.tether.dev").get())
        .as("the shared control plane comes with the CRD").isNotNull();
  }
}
