package dev.tether.operator.metrics;

import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.AgentSessionStatus;
import dev.tether.api.v1alpha1.MigrationRecord;
import dev.tether.api.v1alpha1.SessionPhase;
import dev.tether.operator.support.Times;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The operator's own metrics, all prefixed {@code tether_} and tagged only with bounded values (phase,
 * reason, result): never a session name, so the series count does not grow with the number of sessions.
 * Migration metrics are derived from status transitions, so they count what was persisted, once.
 */
public final class TetherMetrics {
  private static final Duration[] RECOVERY_SLOS = {Duration.ofSeconds(5), Duration.ofSeconds(10),
      Duration.ofSeconds(20), Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(120),
      Duration.ofSeconds(300)};

  private final MeterRegistry registry;

  public TetherMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Gauges read from the operator's caches at scrape time. */
  public void bindSessions(Supplier<Collection<AgentSession>> sessions) {
    for (SessionPhase phase : SessionPhase.values()) {
      Gauge.builder("tether_sessions", sessions, all -> all.get().stream()
              .filter(s -> s.getStatus() != null && s.getStatus().getPhase() == phase).count())
          .tag("phase", phase.name())
          .description("AgentSessions by phase")
          .register(registry);
    }
    Gauge.builder("tether_checkpoint_age_max_seconds", sessions, all -> all.get().stream()
            .filter(s -> s.getStatus() != null && s.getStatus().getPhase() == SessionPhase.Running
                && s.getStatus().getLastCheckpoint() != null && s.getStatus().getLastCheckpoint().getTime() != null)
            .mapToDouble(s -> Duration.between(Times.parse(s.getStatus().getLastCheckpoint().getTime()), Instant.now())
                .toMillis() / 1000.0)
            .max().orElse(0))
        .description("Age of the oldest last checkpoint among running sessions")
        .register(registry);
  }

  public void bindGuard(Supplier<Boolean> engaged, Supplier<Integer> failedNodes) {
    Gauge.builder("tether_mass_failure_guard", engaged, e -> e.get() ? 1 : 0)
        .description("1 while the mass-failure guard holds migrations back").register(registry);
    Gauge.builder("tether_failed_nodes", failedNodes, f -> f.get())
        .description("Nodes that currently look failed").register(registry);
  }

  public void bindMigrationRate(java.util.function.DoubleSupplier perSecond) {
    Gauge.builder("tether_migration_rate", perSecond, java.util.function.DoubleSupplier::getAsDouble)
        .description("New incarnations per second the operator may start now (adapts to the apiserver's answers)")
        .register(registry);
  }

  /** Heartbeat silence until the operator declared the node failed. */
  public void detectionDelay(Duration delay) {
    Timer.builder("tether_detection_delay_seconds")
        .description("Last node heartbeat to failure detection")
        .serviceLevelObjectives(RECOVERY_SLOS)
        .register(registry).record(delay);
  }

  /** Called with the status before and after a pass; records what the pass persisted. */
  public void transition(AgentSessionStatus before, AgentSessionStatus after) {
    if (after == null) {
      return;
    }
    boolean started = after.getMigration() != null
        && (before == null || before.getMigration() == null
            || !Objects.equals(before.getMigration().getDetectedAt(), after.getMigration().getDetectedAt()));
    if (started) {
      migrations(after.getMigration().getReason(), "started").increment();
    }
    List<MigrationRecord> old = before == null || before.getMigrations() == null ? List.of() : before.getMigrations();
    List<MigrationRecord> now = after.getMigrations() == null ? List.of() : after.getMigrations();
    if (now.size() > 0 && (old.isEmpty() || !Objects.equals(last(old).getRunningAt(), last(now).getRunningAt()))) {
      MigrationRecord done = last(now);
      migrations(done.getReason(), "completed").increment();
      if (done.getDetectedAt() != null && done.getRunningAt() != null) {
        Timer.builder("tether_recovery_seconds")
            .description("Failure detected to the new incarnation restored and Running")
            .tag("reason", done.getReason())
            .serviceLevelObjectives(RECOVERY_SLOS)
            .register(registry)
            .record(Duration.between(Times.parse(done.getDetectedAt()), Times.parse(done.getRunningAt())));
      }
    }
    if (after.getPhase() == SessionPhase.Failed && (before == null || before.getPhase() != SessionPhase.Failed)) {
      migrations("Any", "limitReached").increment();
    }
  }

  /** Size of checkpoints as they are committed. */
  public void checkpointCommitted(long bytes) {
    DistributionSummary.builder("tether_checkpoint_bytes").baseUnit("bytes")
        .description("Size of committed checkpoints").register(registry).record(bytes);
  }

  private Counter migrations(String reason, String result) {
    return Counter.builder("tether_migrations_total")
        .description("Migrations by reason and result")
        .tag("reason", reason == null ? "Unknown" : reason)
        .tag("result", result)
        .register(registry);
  }

  private static MigrationRecord last(List<MigrationRecord> records) {
    return records.get(records.size() - 1);
  }
}
