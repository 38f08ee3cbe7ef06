package dev.tether.install;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.operator.OperatorSettings;
import dev.tether.testbed.Namespaces;
import dev.tether.testbed.sim.SimulatedNode;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The chart's RBAC is enough for the operator's work: the operator runs in this JVM with the settings of the
 * chart's Deployment (default values: all namespaces) and a client that impersonates the chart's
 * ServiceAccount, against a real apiserver with simulated nodes. A request the chart does not allow fails with
 * 403, and the scenario that needs it does not finish.
 */
class OperatorUnderChartRbacIT {
  private static final TetherChart CHART = TetherChart.locate();
  private static final RenderedChart RENDERED = CHART.render("proof", "tether-proof");
  private static KubernetesClient admin;
  private static ChartOperator operator;

  private final SimulatedPool pool = new SimulatedPool();
  private final CoreScenarios scenarios = new CoreScenarios(pool);
  private String ns;

  @BeforeAll
  static void startOperatorAsTheChartDeploysIt() {
    admin = SharedControlPlane.get().client();
    Crds.apply(admin, CHART);
    SimulatedPool.cluster();
    Map<String, String> env = ChartOperator.environment(RENDERED, "in-process-operator");
    // JOSDK ends the JVM (System.exit) when a leader stops, and stopping the operator stops leading: leader
    // election under the chart's rules is proven on its own, with the same Fabric8 elector JOSDK uses.
    env.put("TETHER_LEADER_ELECTION", "false");
    // Simulated kubelets heartbeat every second: their sessions may detect faster than the chart's floor.
    env.put("TETHER_DETECTION_TIMEOUT_MIN", SimulatedPool.DETECTION_TIMEOUT);
    operator = ChartOperator.start(admin, RenderedRbac.of(RENDERED), OperatorSettings.fromEnv(env));
  }

  @AfterAll
  static void stopOperator() {
    if (operator != null) {
      operator.close();
    }
    SimulatedPool.stopCluster();
  }

  @BeforeEach
  void namespaceAndNodes() {
    ns = Namespaces.create(admin, "rbac-proof");
    pool.addNode("a");
    pool.addNode("b");
  }

  @Test
  void operatorRunsWithTheChartsServiceAccount() {
    assertThat(operator.client().getConfiguration().getImpersonateUsername())
        .isEqualTo("system:serviceaccount:tether-proof:proof-tether-operator");
    assertThat(operator.operator().isHealthy()).as("every informer connected").isTrue();
  }

  @Test
  void sessionRunsWithVolumeAndService() {
    scenarios.sessionRunsWithVolumeAndService(ns, "alpha");
    // The operator only logs an Event it may not write: look for it.
    await("Started event").atMost(CoreScenarios.TIMEOUT).until(() -> events("alpha", "Started"), n -> n == 1);
  }

  @Test
  void deletedPodIsReplacedWithTheNextEpoch() {
    scenarios.deletedPodIsReplacedWithTheNextEpoch(ns, "beta");
  }

  @Test
  void suspendKeepsTheVolumeAndResumeStartsTheNextEpoch() {
    scenarios.suspendKeepsTheVolumeAndResumeStartsTheNextEpoch(ns, "gamma");
  }

  /**
   * A finished session past its {@code ttlAfterFinished} is deleted by the operator (delete on sessions), and its
   * finalizer comes off with a patch: the chart grants no {@code update} on sessions themselves.
   */
  @Test
  void aFinishedSessionPastItsTtlIsDeletedAndGone() {
    AgentSession session = pool.session(ns, "epsilon");
    session.getSpec().getLifecycle().setTtlAfterFinished("1s");
    admin.resource(session).create();
    AgentSession running = scenarios.awaitRunning(ns, "epsilon", 1);
    pool.node(running.getStatus().getNodeName()).completePod(ns, "epsilon-1", 0);

    await("session gone").atMost(CoreScenarios.TIMEOUT)
        .until(() -> admin.resources(AgentSession.class).inNamespace(ns).withName("epsilon").get() == null);
    await("Expired event").atMost(CoreScenarios.TIMEOUT).until(() -> events("epsilon", "Expired"), n -> n == 1);
  }

  /** Node Leases in kube-node-lease, Nodes, VolumeAttachments, the lost pod's deletion, Events. */
  @Test
  void crashedNodesSessionMigratesToAnotherNode() {
    AgentSession first = scenarios.sessionRunsWithVolumeAndService(ns, "delta");
    SimulatedNode crashed = pool.node(first.getStatus().getNodeName());
    crashed.crash();

    AgentSession migrated = scenarios.awaitRunning(ns, "delta", 2);
    assertThat(migrated.getStatus().getNodeName()).isNotEqualTo(crashed.name());
    assertThat(migrated.getStatus().getMigrations()).singleElement()
        .satisfies(m -> assertThat(m.getReason()).isEqualTo("NodeFailed"));
    await("Migrated event").atMost(CoreScenarios.TIMEOUT).until(() -> events("delta", "Migrated"), n -> n == 1);
  }

  /**
   * The chart's leader-election Role lets the elector create the Lease, take it and renew it: renewals are
   * PATCHes, so a Role without {@code patch} loses the Lease after one term.
   */
  @Test
  void leaderElectionTakesAndRenewsTheLease() {
    OperatorSettings settings = OperatorSettings.fromEnv(ChartOperator.environment(RENDERED, "elector"));
    assertThat(settings.leaderElection()).as("the chart enables leader election by default").isTrue();
    AtomicBoolean leading = new AtomicBoolean();
    try (KubernetesClient client = RenderedRbac.of(RENDERED).applyAndImpersonate(admin)) {
      var elector = client.leaderElector().withConfig(new LeaderElectionConfigBuilder()
          .withName(settings.leaderElectionId())
          .withLock(new LeaseLock(settings.leaderElectionNamespace(), settings.leaderElectionId(),
              settings.identity()))
          .withLeaseDuration(Duration.ofSeconds(3))
          .withRenewDeadline(Duration.ofSeconds(2))
          .withRetryPeriod(Duration.ofMillis(200))
          .withReleaseOnCancel()
          .withLeaderCallbacks(new LeaderCallbacks(() -> leading.set(true), () -> leading.set(false), id -> { }))
          .build()).build();
      var running = elector.start();
      try {
        Lease taken = await("lease taken").atMost(CoreScenarios.TIMEOUT).until(this::electionLease,
            l -> l != null && "elector".equals(l.getSpec().getHolderIdentity()));
        ZonedDateTime firstRenewal = taken.getSpec().getRenewTime();
        await("lease renewed").atMost(CoreScenarios.TIMEOUT).until(this::electionLease,
            l -> l.getSpec().getRenewTime().isAfter(firstRenewal));
        assertThat(leading).isTrue();
        assertThat(running).isNotDone();
      } finally {
        running.cancel(true);
      }
    }
  }

  private Lease electionLease() {
    return admin.leases().inNamespace("tether-proof").withName("tether-operator").get();
  }

  /** Events the operator recorded on the session with this reason, repeats included. */
  private int events(String session, String reason) {
    return admin.v1().events().inNamespace(ns).list().getItems().stream()
        .filter(e -> session.equals(e.getInvolvedObject().getName()) && reason.equals(e.getReason()))
        .mapToInt(e -> e.getCount() == null ? 1 : e.getCount())
        .sum();
  }
}
