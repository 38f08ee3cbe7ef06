package dev.tether.operator;

import dev.tether.operator.checkpoint.CheckpointWiring;
import dev.tether.operator.controller.AgentSessionReconciler;
import dev.tether.operator.metrics.TetherMetrics;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.javaoperatorsdk.operator.Operator;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;

/** The operator assembled: JOSDK runtime, the AgentSession controller, leader election. Embeddable. */
public final class TetherOperator implements AutoCloseable {
  private final Operator operator;
  private final AgentSessionReconciler reconciler;

  private TetherOperator(Operator operator, AgentSessionReconciler reconciler) {
    this.operator = operator;
    this.reconciler = reconciler;
  }

  public static Builder builder(KubernetesClient client) {
    return new Builder(client);
  }

  /** Without a checkpoint store: epochs in status only, no supervisor. */
  public static TetherOperator start(KubernetesClient client, OperatorSettings settings) {
    return builder(client).settings(settings).start();
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

  /** How the operator is put together; defaults suit a test: no store, no metrics, no leader election. */
  public static final class Builder {
    private final KubernetesClient client;
    private OperatorSettings settings = OperatorSettings.defaults();
    private CheckpointWiring checkpoints;
    private Metrics metrics = Metrics.NOOP;
    private Clock clock = Clock.systemUTC();
    private MeterRegistry registry = new SimpleMeterRegistry();
    private Runnable onLostLeadership = () -> { };

    private Builder(KubernetesClient client) {
      this.client = client;
    }

    public Builder settings(OperatorSettings settings) {
      this.settings = settings;
      return this;
    }

    public Builder checkpoints(CheckpointWiring checkpoints) {
      this.checkpoints = checkpoints;
      return this;
    }

    public Builder metrics(Metrics metrics) {
      this.metrics = metrics;
      return this;
    }

    /** Where the operator's own tether_* metrics go (JOSDK's go through {@link #metrics}). */
    public Builder meterRegistry(MeterRegistry registry) {
      this.registry = registry;
      return this;
    }

    /**
     * What to do when leadership is lost; the operator process exits so its pod restarts as a clean standby.
     * Not JOSDK's exit-on-stop-leading: that also fires on a normal shutdown, and exiting from inside a
     * shutdown hook blocks forever.
     */
    public Builder onLostLeadership(Runnable action) {
      this.onLostLeadership = action;
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    public TetherOperator start() {
      Operator operator = new Operator(o -> {
        o.withKubernetesClient(client)
            .withCloseClientOnStop(false)
            .withMetrics(metrics)
            .withReconciliationTerminationTimeout(Duration.ofSeconds(10))
            .withUseSSAToPatchPrimaryResource(true);
        if (settings.leaderElection()) {
          o.withLeaderElectionConfiguration(new LeaderElectionConfiguration(settings.leaderElectionId(),
              settings.leaderElectionNamespace(), LeaderElectionConfiguration.LEASE_DURATION_DEFAULT_VALUE,
              LeaderElectionConfiguration.RENEW_DEADLINE_DEFAULT_VALUE,
              LeaderElectionConfiguration.RETRY_PERIOD_DEFAULT_VALUE, settings.identity(),
              new LeaderCallbacks(() -> { }, onLostLeadership, leader -> { }), false));
        }
      });
      AgentSessionReconciler reconciler = new AgentSessionReconciler(settings, checkpoints, clock,
          new TetherMetrics(registry));
      operator.register(reconciler, c -> {
        if (!settings.watchNamespaces().isEmpty()) {
          c.settingNamespaces(new HashSet<>(settings.watchNamespaces()));
        }
      });
      operator.start();
      return new TetherOperator(operator, reconciler);
    }
  }
}
