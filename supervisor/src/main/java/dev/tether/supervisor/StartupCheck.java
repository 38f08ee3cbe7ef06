package dev.tether.supervisor;

import dev.tether.store.ContextStore;
import dev.tether.store.RestoreRecord;
import dev.tether.store.StoreException;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs once when the supervisor starts, retrying while etcd is unreachable: is this incarnation still the
 * current one, what would it restore, record that (once per incarnation), and then report ready. With
 * {@link RestorePolicy#RequireLatest} a newest checkpoint that does not verify keeps the supervisor unready.
 */
final class StartupCheck implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(StartupCheck.class);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

  private final SupervisorConfig config;
  private final ContextStore store;
  private final BlobStore blobs;
  private final SessionState state;
  private final SupervisorMetrics metrics;
  private final CountDownLatch closed;
  private final String who;
  private final Rollback rollback;
  private final ObjectStoreUploads uploads;

  StartupCheck(SupervisorConfig config, ContextStore store, BlobStore blobs, CheckpointWriter writer,
               ObjectStoreUploads uploads, SessionState state, SupervisorMetrics metrics, CountDownLatch closed) {
    this.config = config;
    this.uploads = uploads;
    this.rollback = new Rollback(config, store, blobs, writer, state);
    this.store = store;
    this.blobs = blobs;
    this.state = state;
    this.metrics = metrics;
    this.closed = closed;
    this.who = config.session() + " epoch=" + config.epoch();
  }

  @Override
  public void run() {
    Duration backoff = Duration.ofMillis(200);
    while (closed.getCount() > 0) {
      try {
        check();
        return;
      } catch (ObjectStoreTier.UnavailableException e) {
        // Never a silent fallback to an older checkpoint: the newest one is there, only out of reach now.
        state.waitingForStore("object store unreachable: " + e.getMessage());
        LOG.warn("{} startup check: object store unreachable ({}); retrying in {} ms", who, e.getMessage(),
            backoff.toMillis());
      } catch (StoreException e) {
        state.waitingForStore("checkpoint store unreachable: " + e.getMessage());
        LOG.warn("{} startup check: etcd unreachable ({}); retrying in {} ms", who, e.getMessage(),
            backoff.toMillis());
      } catch (IOException | RuntimeException e) {
        state.waitingForStore("startup check failed: " + e);
        LOG.error("{} startup check failed; retrying", who, e);
      }
      try {
        if (closed.await(backoff.toMillis(), TimeUnit.MILLISECONDS)) {
          return;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
    }
  }

  private void check() throws IOException {
    long storedEpoch = store.epoch(config.session());
    if (storedEpoch > config.epoch()) {
      state.fence(storedEpoch);
      LOG.warn("{} FENCED at startup: epoch {} owns the session", who, storedEpoch);
      return;
    }
    store.checkpointRequest(config.session())
        .filter(request -> request.epoch() == config.epoch())
        .ifPresent(state::requested);
    if (store.stopRequest(config.session()).filter(epoch -> epoch == config.epoch()).isPresent()) {
      // Restarted after the operator saw the agent finish: nothing is left to serve.
      state.stopRequested();
    }
    long lastSequence = store.lastSequence(config.session());
    Optional<RestoreRecord> recorded = store.restore(config.session(), config.epoch());
    if (config.rollbackTo() != null) {
      rollBack(recorded);
      return;
    }
    RestoreRecord record;
    boolean refuse;
    Optional<Instant> restoredCreatedAt;
    Optional<dev.tether.store.Manifest> restored;
    boolean fromObjectStore;
    try (RestorePoint point = RestorePoint.find(store.manifests(config.session()), blobs)) {
      refuse = point.newestFailed() && config.restorePolicy() == RestorePolicy.RequireLatest;
      restoredCreatedAt = point.restored().map(m -> m.createdAt());
      restored = point.restored();
      fromObjectStore = RestoreRecord.OBJECT_STORE.equals(point.source());
      record = refuse
          ? new RestoreRecord(config.epoch(), null, null, false,
              "RequireLatest: " + point.reason().replaceFirst(", (restored \\d+|nothing restored)$", "")
                  + "; refusing to restore", Instant.now())
          : new RestoreRecord(config.epoch(), point.restored().map(m -> m.sequence()).orElse(null),
              point.restored().map(m -> m.digest()).orElse(null), point.fallback(), point.reason(), Instant.now(),
              point.source());
    }
    if (recorded.isEmpty()) {
      store.recordRestore(config.session(), record);
    } else {
      record = recorded.get(); // a restarted supervisor of the same incarnation keeps the first record
    }
    if (refuse) {
      state.notReady("restore refused: " + record.reason(), record);
      LOG.error("{} restore refused, not becoming ready: {}", who, record.reason());
      return;
    }
    uploads.restored(restored, fromObjectStore);
    state.ready(record, lastSequence);
    boolean fallback = record.fallback();
    restoredCreatedAt.ifPresent(createdAt -> metrics.restored(fallback, createdAt));
    LOG.info("{} ready; restore point sequence={} fallback={} reason={}", who, record.sequence(),
        record.fallback(), record.reason());
  }

  private void rollBack(Optional<RestoreRecord> recorded) throws IOException {
    Optional<Rollback.Result> result = rollback.perform(recorded);
    if (result.isEmpty()) {
      LOG.warn("{} FENCED during rollback to #{}", who, config.rollbackTo());
      return;
    }
    RestoreRecord record = result.get().record();
    if (recorded.isEmpty()) {
      store.recordRestore(config.session(), record);
    }
    if (result.get().refused()) {
      state.notReady("rollback refused: " + record.reason(), record);
      LOG.error("{} rollback to #{} refused, not becoming ready: {}", who, config.rollbackTo(), record.reason());
      return;
    }
    uploads.restored(Optional.empty(), false);
    state.ready(record, record.sequence());
    LOG.info("{} ready after rollback: {}", who, record.reason());
  }
}
