package dev.tether.install;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.testbed.ControlPlane;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The rendered manifests are accepted by a real apiserver (server-side dry-run: validation, defaulting and
 * admission, nothing stored). Catches what helm lint cannot: wrong field names, bad enum values, API versions
 * the server does not serve.
 */
class ChartDryRunIT {
  private static final TetherChart CHART = TetherChart.locate();
  private static KubernetesClient admin;

  @BeforeAll
  static void startApiserver() {
    ControlPlane controlPlane = SharedControlPlane.get();
    admin = controlPlane.client();
  }

  @Test
  void defaultValues() {
    assertAcceptedAndNotStored(render("dry-default", "dry-default"));
  }

  @Test
  void productionValues() {
    ensureNamespaces("agents-a", "agents-b");
    assertAcceptedAndNotStored(render("dry-production", "dry-production", "-f",
        ValuesFiles.path(ValuesFiles.PRODUCTION)));
  }

  @Test
  void quickstartValuesWithoutServiceMonitor() {
    // The ServiceMonitor CRD (Prometheus Operator) is not installed in the test apiserver.
    RenderedChart chart = render("dry-quickstart", "dry-quickstart", "-f",
        ValuesFiles.path(ValuesFiles.QUICKSTART), "--set", "metrics.serviceMonitor.enabled=false");
    assertThat(chart.ofKind("StatefulSet")).hasSize(1);
    assertAcceptedAndNotStored(chart);
  }

  private static RenderedChart render(String release, String namespace, String... args) {
    ensureNamespaces(namespace);
    String[] all = new String[args.length + 2];
    all[0] = "--kube-version";
    all[1] = SharedControlPlane.kubeVersion();
    System.arraycopy(args, 0, all, 2, args.length);
    return CHART.render(release, namespace, all);
  }

  private static void assertAcceptedAndNotStored(RenderedChart chart) {
    assertThat(chart.objects()).hasSizeGreaterThan(8);
    for (HasMetadata object : chart.objects()) {
      HasMetadata answer = admin.resource(object).dryRun().serverSideApply();
      assertThat(answer).as("%s %s", object.getKind(), object.getMetadata().getName()).isNotNull();
      assertThat(answer.getMetadata().getUid()).as("server-assigned uid").isNotBlank();
    }
    List<HasMetadata> stored = chart.objects().stream().map(o -> admin.resource(o).get())
        .filter(Objects::nonNull).toList();
    assertThat(stored).as("dry-run stores nothing").isEmpty();
  }

  private static void ensureNamespaces(String... names) {
    for (String name : names) {
      admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
          .serverSideApply();
    }
  }
}
