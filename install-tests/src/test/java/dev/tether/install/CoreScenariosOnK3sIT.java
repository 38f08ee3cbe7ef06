package dev.tether.install;

import dev.tether.operator.OperatorSettings;
import dev.tether.testbed.Namespaces;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The core scenarios on a real kubelet: k3s in a container (Testcontainers), the chart's CRD and RBAC applied,
 * the operator in this JVM with a client impersonating the chart's ServiceAccount (no operator image can be
 * assumed to exist). Skipped where there is no Docker engine.
 */
@ExtendWith(DockerAvailable.class)
class CoreScenariosOnK3sIT {
  private static final TetherChart CHART = TetherChart.locate();
  private static K3sCluster k3s;
  private static ChartOperator operator;

  private final CoreScenarios scenarios = new CoreScenarios(k3s);
  private String ns;

  @BeforeAll
  static void startK3sAndOperator() {
    k3s = K3sCluster.start();
    Crds.apply(k3s.admin(), CHART);
    RenderedChart chart = CHART.render("tether-operator", "tether-system");
    Map<String, String> env = ChartOperator.environment(chart, "in-process-operator");
    // JOSDK ends the JVM when a leader stops, and stopping the operator stops leading.
    env.put("TETHER_LEADER_ELECTION", "false");
    // Simulated kubelets heartbeat every second: their sessions may detect faster than the chart's floor.
    env.put("TETHER_DETECTION_TIMEOUT_MIN", SimulatedPool.DETECTION_TIMEOUT);
    operator = ChartOperator.start(k3s.admin(), RenderedRbac.of(chart), OperatorSettings.fromEnv(env));
  }

  @AfterAll
  static void stop() {
    if (operator != null) {
      operator.close();
    }
    if (k3s != null) {
      k3s.close();
    }
  }

  @BeforeEach
  void namespace() {
    ns = Namespaces.create(k3s.admin(), "k3s");
  }

  @Test
  void sessionRunsWithVolumeAndService() {
    scenarios.sessionRunsWithVolumeAndService(ns, "alpha");
  }

  @Test
  void deletedPodIsReplacedWithTheNextEpoch() {
    scenarios.deletedPodIsReplacedWithTheNextEpoch(ns, "beta");
  }

  @Test
  void suspendKeepsTheVolumeAndResumeStartsTheNextEpoch() {
    scenarios.suspendKeepsTheVolumeAndResumeStartsTheNextEpoch(ns, "gamma");
  }
}
