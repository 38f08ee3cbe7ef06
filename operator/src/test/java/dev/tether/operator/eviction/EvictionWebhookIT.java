package dev.tether.operator.eviction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.MigrationRecord;
import dev.tether.operator.OperatorTestBed;
import dev.tether.operator.events.EventRecorder;
import dev.tether.testbed.CertificateAuthority;
import dev.tether.testbed.sim.SimulatedNode;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An eviction that no cordon or taint announces (a descheduler, an admin's eviction call): the apiserver calls
 * the operator's webhook, the session's budget still refuses the eviction, and the session moves off the node
 * like a drained one. The webhook is registered for this test's namespace only, by URL, with a CA of its own.
 */
class EvictionWebhookIT {
  private final OperatorTestBed bed = OperatorTestBed.get();

  @Test
  void anEvictionAttemptMovesTheSessionLikeADrain() throws Exception {
    String ns = bed.newNamespace();
    bed.client().namespaces().withName(ns).edit(n -> new NamespaceBuilder(n)
        .editMetadata().addToLabels("tether-test/eviction-webhook", ns).endMetadata().build());
    String pool = bed.newPool();
    SimulatedNode a = bed.addNode(pool, "a");
    Path dir = Files.createTempDirectory("tether-webhook-");
    CertificateAuthority ca = CertificateAuthority.create(dir);
    CertificateAuthority.Issued serving = ca.issueServer(dir, "webhook", List.of("127.0.0.1"), List.of("localhost"));
    try (EvictionWebhook webhook = EvictionWebhook.start(0,
        ServingCertificate.keyManagers(Files.readString(serving.certificate()), Files.readString(serving.key())),
        new EvictionRecorder(bed.client(), new EventRecorder(bed.client())))) {
      ValidatingWebhookConfiguration registration = bed.client().admissionRegistration().v1()
          .validatingWebhookConfigurations().resource(registration(ns, webhook.port(), ca)).create();
      try {
        AgentSession session = bed.session(ns, "evictee", pool);
        bed.create(session);
        AgentSession first = bed.awaitRunning(ns, "evictee", 1);
        assertThat(first.getStatus().getNodeName()).isEqualTo(a.name());
        SimulatedNode b = bed.addNode(pool, "b");
        String podUid = bed.client().pods().inNamespace(ns).withName("evictee-1").get().getMetadata().getUid();

        // The budget refuses (429) and the client retries until the operator has moved the pod away: then the
        // pod is gone (404), or still terminating, which the apiserver lets go without asking the budget. Either
        // way the move below is the operator's Drain, not an eviction (that would be PodDeleted).
        try {
          bed.client().pods().inNamespace(ns).withName("evictee-1").evict();
        } catch (KubernetesClientException e) {
          assertThat(e.getCode()).as(e.getMessage()).isEqualTo(404);
        }

        AgentSession moved = bed.awaitRunning(ns, "evictee", 2);
        assertThat(moved.getStatus().getNodeName()).isEqualTo(b.name());
        MigrationRecord move = moved.getStatus().getMigrations().get(0);
        assertThat(move.getReason()).as("moved by the operator, not evicted (that would be PodDeleted)").isEqualTo("Drain");
        assertThat(move.getFromNode()).isEqualTo(a.name());
        Event requested = bed.client().v1().events().inNamespace(ns).list().getItems().stream()
            .filter(e -> EvictionRequests.REASON.equals(e.getReason())).findFirst().orElseThrow();
        assertThat(requested.getInvolvedObject().getName()).isEqualTo("evictee");
        assertThat(requested.getRelated().getUid()).isEqualTo(podUid);
        assertThat(requested.getMessage()).startsWith("eviction of pod evictee-1 on " + a.name() + " requested by ");
        await().atMost(Duration.ofSeconds(30)).until(() -> bed.client().v1().events().inNamespace(ns).list()
            .getItems().stream().anyMatch(e -> "Drain".equals(e.getReason())
                && e.getMessage().contains("eviction of pod evictee-1")));
      } finally {
        bed.client().resource(registration).delete();
      }
    }
  }

  private static ValidatingWebhookConfiguration registration(String ns, int port, CertificateAuthority ca)
      throws Exception {
    return new ValidatingWebhookConfigurationBuilder()
        .withNewMetadata().withName("tether-eviction-" + ns).endMetadata()
        .addNewWebhook()
          .withName("eviction.tether.dev")
          .withAdmissionReviewVersions("v1", "v1beta1")
          .withSideEffects("NoneOnDryRun")
          .withFailurePolicy("Ignore")
          .withTimeoutSeconds(5)
          .withNewClientConfig()
            .withUrl("https://127.0.0.1:" + port + EvictionWebhook.PATH)
            .withCaBundle(Base64.getEncoder().encodeToString(Files.readAllBytes(ca.files().certificate())))
          .endClientConfig()
          .addNewRule().withApiGroups("").withApiVersions("v1").withOperations("CREATE")
            .withResources("pods/eviction").withScope("Namespaced").endRule()
          .withNewNamespaceSelector().addToMatchLabels("tether-test/eviction-webhook", ns).endNamespaceSelector()
        .endWebhook()
        .build();
  }
}
