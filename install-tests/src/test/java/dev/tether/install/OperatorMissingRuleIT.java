package dev.tether.install;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tether.operator.OperatorSettings;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.OperatorException;
import java.util.Map;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link OperatorUnderChartRbacIT} would notice a missing rule: with any rule the operator watches through
 * removed from the chart's RBAC, the operator does not start. JOSDK starts an informer per watched resource
 * before it reconciles anything; the informer's first LIST gets 403, and {@code TetherOperator.start} throws.
 */
class OperatorMissingRuleIT {
  private static final TetherChart CHART = TetherChart.locate();
  private static KubernetesClient admin;

  @BeforeAll
  static void crdInstalled() {
    admin = SharedControlPlane.get().client();
    Crds.apply(admin, CHART);
  }

  @ParameterizedTest(name = "without {1} in group ''{0}''")
  @CsvSource({
      "'', pods",
      "storage.k8s.io, storageclasses",
      "'', nodes",
      "coordination.k8s.io, leases",
      "storage.k8s.io, volumeattachments",
      "tether.dev, agentsessions",
  })
  void operatorDoesNotStartWithoutARuleItWatchesThrough(String group, String resource) {
    String release = "no-" + resource;
    RenderedChart chart = CHART.render(release, release);
    RenderedRbac rbac = RenderedRbac.of(chart).withoutRules(RenderedRbac.grantsOn(group, resource));
    OperatorSettings settings = settingsWithoutLeaderElection(chart);

    assertThatThrownBy(() -> ChartOperator.start(admin, rbac, settings).close())
        .isInstanceOf(OperatorException.class)
        .hasMessage("Error starting operator")
        .hasRootCauseInstanceOf(KubernetesClientException.class)
        .rootCause().asInstanceOf(InstanceOfAssertFactories.type(KubernetesClientException.class))
        .satisfies(e -> {
          assertThat(e.getCode()).isEqualTo(403);
          assertThat(e.getMessage()).contains("User \"" + rbac.username() + "\" cannot list resource \""
              + resource + "\" in API group \"" + group + "\"");
        });
  }

  /** The control: the same rendering with every rule starts, so the failures above are the missing rule's. */
  @Test
  void operatorStartsWithEveryRule() {
    RenderedChart chart = CHART.render("all-rules", "all-rules");
    try (ChartOperator operator = ChartOperator.start(admin, RenderedRbac.of(chart),
        settingsWithoutLeaderElection(chart))) {
      assertThat(operator.operator().isHealthy()).isTrue();
    }
  }

  /** See OperatorUnderChartRbacIT: JOSDK ends the JVM when a leader stops. */
  private static OperatorSettings settingsWithoutLeaderElection(RenderedChart chart) {
    Map<String, String> env = ChartOperator.environment(chart, "in-process-operator");
    env.put("TETHER_LEADER_ELECTION", "false");
    return OperatorSettings.fromEnv(env);
  }
}
