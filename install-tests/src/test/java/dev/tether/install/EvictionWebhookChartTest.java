package dev.tether.install;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.operator.eviction.EvictionWebhook;
import dev.tether.operator.eviction.ServingCertificate;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The eviction webhook as the chart renders it: off by default; on, wired end to end with a usable certificate. */
class EvictionWebhookChartTest {
  private static final TetherChart CHART = TetherChart.locate();
  private static final String NS = "tether-system";

  @Test
  void isOffByDefault() {
    RenderedChart defaults = CHART.render("tether-operator", NS);
    assertThat(defaults.all(ValidatingWebhookConfiguration.class)).isEmpty();
    assertThat(defaults.all(Secret.class)).noneMatch(s -> s.getMetadata().getName().endsWith("-webhook-tls"));
    assertThat(ChartRenderTest.operator(defaults).getContainers().get(0).getEnv())
        .noneMatch(e -> e.getName().startsWith("TETHER_WEBHOOK_"));
  }

  @Test
  void onItOnlyWatchesEvictionsAndNeverBlocksThem() throws Exception {
    RenderedChart chart = CHART.render("tether", NS, "--set", "evictionWebhook.enabled=true");
    ValidatingWebhook webhook = chart.one(ValidatingWebhookConfiguration.class).getWebhooks().get(0);
    assertThat(webhook.getFailurePolicy()).isEqualTo("Ignore");
    assertThat(webhook.getSideEffects()).isEqualTo("NoneOnDryRun");
    assertThat(webhook.getTimeoutSeconds()).isEqualTo(2);
    assertThat(webhook.getRules()).singleElement().satisfies(rule -> {
      assertThat(rule.getResources()).containsExactly("pods/eviction");
      assertThat(rule.getOperations()).containsExactly("CREATE");
    });
    assertThat(webhook.getNamespaceSelector()).as("all namespaces").isNull();

    Service service = chart.find(Service.class, s -> s.getMetadata().getName().equals(
        webhook.getClientConfig().getService().getName())).orElseThrow();
    assertThat(webhook.getClientConfig().getService().getNamespace()).isEqualTo(NS);
    assertThat(webhook.getClientConfig().getService().getPath()).isEqualTo(EvictionWebhook.PATH);
    assertThat(service.getSpec().getPorts()).singleElement().satisfies(port -> {
      assertThat(port.getPort()).isEqualTo(webhook.getClientConfig().getService().getPort());
      assertThat(port.getTargetPort().getStrVal()).isEqualTo("webhook");
    });
    Container operator = ChartRenderTest.operator(chart).getContainers().get(0);
    assertThat(operator.getPorts()).anySatisfy(p -> {
      assertThat(p.getName()).isEqualTo("webhook");
      assertThat(p.getContainerPort()).isEqualTo(9443);
    });
    assertThat(operator.getEnv()).anySatisfy(e -> {
      assertThat(e.getName()).isEqualTo("TETHER_WEBHOOK_PORT");
      assertThat(e.getValue()).isEqualTo("9443");
    });
    String certDir = operator.getEnv().stream().filter(e -> e.getName().equals("TETHER_WEBHOOK_CERT_DIR"))
        .findFirst().orElseThrow().getValue();
    assertThat(operator.getVolumeMounts()).anySatisfy(m -> {
      assertThat(m.getMountPath()).isEqualTo(certDir);
      assertThat(ChartRenderTest.operator(chart).getVolumes()).anySatisfy(v -> {
        assertThat(v.getName()).isEqualTo(m.getName());
        assertThat(v.getSecret().getSecretName()).isEqualTo("tether-tether-operator-webhook-tls");
      });
    });

    Secret tls = chart.find(Secret.class, s -> s.getMetadata().getName().equals("tether-tether-operator-webhook-tls"))
        .orElseThrow();
    assertThat(tls.getType()).isEqualTo("kubernetes.io/tls");
    assertThat(webhook.getClientConfig().getCaBundle()).isEqualTo(tls.getData().get("ca.crt"));
    String crt = decode(tls.getData().get("tls.crt"));
    assertThat(ServingCertificate.keyManagers(crt, decode(tls.getData().get("tls.key"))))
        .as("the operator can serve with the generated key (PKCS#1)").isNotNull();
    CertificateFactory x509 = CertificateFactory.getInstance("X.509");
    X509Certificate serving = (X509Certificate) x509.generateCertificate(
        new ByteArrayInputStream(crt.getBytes(StandardCharsets.US_ASCII)));
    X509Certificate ca = (X509Certificate) x509.generateCertificate(
        new ByteArrayInputStream(decode(tls.getData().get("ca.crt")).getBytes(StandardCharsets.US_ASCII)));
    serving.verify(ca.getPublicKey());
    assertThat(serving.getSubjectAlternativeNames().stream().map(name -> String.valueOf(name.get(1))))
        .contains(service.getMetadata().getName() + "." + NS + ".svc");
  }

  @Test
  void inWatchNamespacesModeItWatchesThoseNamespacesOnly() {
    RenderedChart chart = CHART.render("tether", NS, "--set", "evictionWebhook.enabled=true",
        "--set-json", "watchNamespaces=[\"agents-a\",\"agents-b\"]");
    ValidatingWebhook webhook = chart.one(ValidatingWebhookConfiguration.class).getWebhooks().get(0);
    assertThat(webhook.getNamespaceSelector().getMatchExpressions()).singleElement().satisfies(e -> {
      assertThat(e.getKey()).isEqualTo("kubernetes.io/metadata.name");
      assertThat(e.getValues()).isEqualTo(List.of("agents-a", "agents-b"));
    });
  }

  private static String decode(String base64) {
    return new String(Base64.getDecoder().decode(base64), StandardCharsets.US_ASCII);
  }
}
