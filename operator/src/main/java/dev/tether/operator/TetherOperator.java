package dev.tether.operator;

import dev.tether.operator.controller.AgentSessionReconciler;
import dev.tether.operator.failover.EpochAuthority;
import dev.tether.operator.pod.SessionPodFactory;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;

/** The operator assembled: JOSDK runtime, the AgentSession controller, leader election. Embeddable. */
public final class TetherOperator implements AutoCloseable {
  private final Operator operator;
  private final AgentSessionReconciler reconciler;

  private TetherOperator(Operator operator, AgentSessionReconciler reconciler) {
    this.operator = operator;
    this.reconciler = reconciler;
  }

  public static TetherOperator start(KubernetesClient client, OperatorSettings settings) {
    return start(client, settings, EpochAuthority.STATUS_ONLY, List.of(), Metrics.NOOP);
  }

  public static TetherOperator start(KubernetesClient client, OperatorSettings settings, EpochAuthority epochs,
      List<SessionPodFactory.PodDecorator> decorators, Metrics metrics) {
    Operator operator = new Operator(o -> {
      o.withKubernetesClient(client)
          .withCloseClientOnStop(false)
          .withMetrics(metrics)
          .withReconciliationTerminationTimeout(Duration.ofSeconds(10))
          .withUseSSAToPatchPrimaryResource(true);
      if (settings.leaderElection()) {
        o.withLeaderElectionConfiguration(new LeaderElectionConfiguration(settings.leaderElectionId(),
            settings.leaderElectionNamespace(), settings.identity()));
      }
    });
    AgentSessionReconciler reconciler = new AgentSessionReconciler(settings, epochs, Clock.systemUTC(), decorators);
    operator.register(reconciler, c -> {
      if (!settings.watchNamespaces().isEmpty()) {
        c.settingNamespaces(new HashSet<>(settings.watchNamespaces()));
      }
    });
    operator.start();
    return new TetherOperator(operator, reconciler);
  }

  public Operator operator() {
    return operator;
  }

  public AgentSessionReconciler reconciler() {
    return reconciler;
  }

  /** Started, and every informer connected: what the readiness probe reports. */
  public boolean isHealthy() {
    var info = operator.getRuntimeInfo();
    return info.isStarted() && info.allEventSourcesAreHealthy();
  }

  @Override
  public void close() {
    operator.stop();
  }
}
