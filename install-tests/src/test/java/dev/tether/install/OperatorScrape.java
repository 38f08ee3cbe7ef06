package dev.tether.install;

import dev.tether.api.v1alpha1.AgentSessionStatus;
import dev.tether.api.v1alpha1.MigrationRecord;
import dev.tether.operator.metrics.TetherMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;

/**
 * What Prometheus reads from the operator once each of its metrics has been recorded: the names that queries
 * over the operator's metrics (dashboard, alerts) may use. Built from the operator's own TetherMetrics and
 * the registry it serves, so that a renamed metric breaks the queries' tests.
 */
final class OperatorScrape {
  private OperatorScrape() {}

  static String everyMetric() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    TetherMetrics metrics = new TetherMetrics(registry);
    metrics.bindSessions(List::of);
    metrics.bindGuard(() -> false, () -> 0);
    metrics.bindMigrationRate(() -> 10);
    metrics.detectionDelay(Duration.ofSeconds(21));
    metrics.transition(new AgentSessionStatus(), completedMigration());
    return registry.scrape();
  }

  private static AgentSessionStatus completedMigration() {
    MigrationRecord record = new MigrationRecord();
    record.setReason("NodeFailure");
    record.setDetectedAt("2026-01-01T00:00:00Z");
    record.setRunningAt("2026-01-01T00:00:12Z");
    AgentSessionStatus status = new AgentSessionStatus();
    status.setMigrations(List.of(record));
    return status;
  }
}
