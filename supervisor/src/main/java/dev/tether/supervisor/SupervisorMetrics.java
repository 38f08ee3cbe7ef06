package dev.tether.supervisor;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One supervisor's meters, in its own registry (several supervisors may share a JVM). Tags are low-cardinality
 * only: one supervisor serves one session, and Prometheus adds the pod's labels.
 */
final class SupervisorMetrics {
  /** How a {@code POST /v1/checkpoints} ended, as the {@code result} tag. */
  enum CommitResult {
    COMMITTED, FENCED, UNAVAILABLE, TOO_LARGE, INSUFFICIENT_STORAGE;

    String tag() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private static final long NONE = Long.MIN_VALUE;

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Timer commitLatency;
  private final Map<CommitResult, Counter> commits = new EnumMap<>(CommitResult.class);
  private final Counter fencingRefusals;
  private final DistributionSummary checkpointBytes;
  private final AtomicLong lastCheckpointMillis = new AtomicLong(NONE);
  private final Counter restores;
  private final Counter fallbackRestores;
  private final Counter objectStoreFailures;
  private final Counter longPollsRefused;
  private final Counter volumeFullPrunes;

  SupervisorMetrics() {
    commitLatency = Timer.builder("tether.supervisor.commit")
        .description("Acknowledged checkpoint commits: blob write and fsync, then the etcd transaction")
        .serviceLevelObjectives(millis(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000))
        .register(registry);
    for (CommitResult result : CommitResult.values()) {
      commits.put(result, Counter.builder("tether.supervisor.commits")
          .description("Checkpoint saves by result").tag("result", result.tag()).register(registry));
    }
    fencingRefusals = Counter.builder("tether.supervisor.fencing.refusals")
        .description("Writes refused with 409 because a newer incarnation owns the session").register(registry);
    checkpointBytes = DistributionSummary.builder("tether.supervisor.checkpoint").baseUnit("bytes")
        .description("Size of committed checkpoints")
        .serviceLevelObjectives(1024, 16 * 1024, 256 * 1024, 1024 * 1024, 16 * 1024 * 1024, 64 * 1024 * 1024)
        .register(registry);
    Gauge.builder("tether.supervisor.last.checkpoint.timestamp", lastCheckpointMillis,
            millis -> millis.get() == NONE ? Double.NaN : millis.get() / 1000.0)
        .baseUnit("seconds").strongReference(true)
        .description("Creation time of the newest checkpoint committed or restored here (Unix seconds)")
        .register(registry);
    restores = restoreCounter(false);
    fallbackRestores = restoreCounter(true);
    objectStoreFailures = Counter.builder("tether.supervisor.object.store.failures")
        .description("Checkpoints refused with 503 because the object store did not take the blob")
        .register(registry);
    longPollsRefused = Counter.builder("tether.supervisor.long.polls.refused")
        .description("Long polls refused with 429 because every long-poll slot was taken").register(registry);
    volumeFullPrunes = Counter.builder("tether.supervisor.volume.full.prunes")
        .description("Times the checkpoint volume was full and older blobs were deleted ahead of a commit")
        .register(registry);
  }

  /** Long polls waiting now, from the pool that holds them. */
  void watchLongPolls(LongPolls polls) {
    Gauge.builder("tether.supervisor.long.polls", polls, LongPolls::active)
        .description("Long polls (GET /v1/checkpoint-request?wait=N) waiting for a checkpoint request")
        .register(registry);
  }

  void longPollRefused() {
    longPollsRefused.increment();
  }

  /** The usable space of the checkpoint volume, read at each scrape; NaN when it cannot be read. */
  void volumeFreeBytes(VolumeFree free) {
    Gauge.builder("tether.supervisor.volume.free", free, f -> {
          try {
            return f.usableBytes();
          } catch (java.io.IOException | RuntimeException e) {
            return Double.NaN;
          }
        })
        .baseUnit("bytes").strongReference(true)
        .description("Usable space left on the checkpoint volume")
        .register(registry);
  }

  @FunctionalInterface
  interface VolumeFree {
    long usableBytes() throws java.io.IOException;
  }

  void volumeFullPruned() {
    volumeFullPrunes.increment();
  }

  void objectStoreFailed() {
    objectStoreFailures.increment();
  }

  private Counter restoreCounter(boolean fallback) {
    return Counter.builder("tether.supervisor.restores")
        .description("Startup restores of a checkpoint; fallback=true when the newest did not verify")
        .tag("fallback", Boolean.toString(fallback)).register(registry);
  }

  private static Duration[] millis(long... values) {
    Duration[] durations = new Duration[values.length];
    for (int i = 0; i < values.length; i++) {
      durations[i] = Duration.ofMillis(values[i]);
    }
    return durations;
  }

  void committed(long startNanos, long size, Instant createdAt) {
    commitLatency.record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
    checkpointBytes.record(size);
    lastCheckpointMillis.set(createdAt.toEpochMilli());
    commits.get(CommitResult.COMMITTED).increment();
  }

  void refused(CommitResult result) {
    commits.get(result).increment();
    if (result == CommitResult.FENCED) {
      fencingRefusals.increment();
    }
  }

  void restored(boolean fallback, Instant createdAt) {
    (fallback ? fallbackRestores : restores).increment();
    lastCheckpointMillis.compareAndSet(NONE, createdAt.toEpochMilli());
  }

  PrometheusMeterRegistry registry() {
    return registry;
  }

  String scrape() {
    return registry.scrape();
  }
}
