package dev.tether.supervisor;

import dev.tether.store.ContextStore;
import dev.tether.store.Manifest;
import dev.tether.store.StoreException;
import dev.tether.store.UploadState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How far the object-store tier is, recorded in etcd ({@link UploadState}) for the operator's status and
 * conditions, and with asynchronous uploads the uploader itself.
 *
 * <p>Asynchronous: a committed checkpoint is acknowledged before it is uploaded; a background thread uploads the
 * newest committed one (one that is overtaken before its turn is never uploaded: a restore wants the newest).
 * The lag is bounded two ways, both answered with 503 {@code object-store-lagging} to the agent: a commit waits
 * while the oldest checkpoint not uploaded is older than {@code maxLag}, and while committing would prune (by
 * {@code retain}) the manifest of the newest checkpoint the object store has, so a restore from the object store
 * always finds one. Synchronous: every commit is uploaded first; only failures and recoveries are recorded.
 */
final class ObjectStoreUploads implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ObjectStoreUploads.class);
  private static final Duration MAX_RETRY = Duration.ofSeconds(5);

  private final SupervisorConfig config;
  private final ContextStore store;
  private final BlobStore blobs;
  private final SessionState session;
  private final SupervisorMetrics metrics;
  private final Clock clock;
  private final String who;
  /** Committed, not uploaded yet (asynchronous), by sequence. */
  private final TreeMap<Long, Manifest> pending = new TreeMap<>();
  private UploadState state;
  private boolean recordedError;
  private boolean closed;
  private Thread uploader;

  ObjectStoreUploads(SupervisorConfig config, ContextStore store, BlobStore blobs, SessionState session,
      SupervisorMetrics metrics, Clock clock) {
    this.config = config;
    this.store = store;
    this.blobs = blobs;
    this.session = session;
    this.metrics = metrics;
    this.clock = clock;
    this.who = config.session() + " epoch=" + config.epoch();
    this.state = UploadState.none(config.epoch());
  }

  boolean asynchronous() {
    return blobs.tier().map(ObjectStoreTier::asynchronous).orElse(false);
  }

  /** Starts the uploader once the restore is known: the restored checkpoint is the first one to make sure of. */
  synchronized void restored(Optional<Manifest> restored, boolean fromObjectStore) {
    if (blobs.tier().isEmpty()) {
      return;
    }
    restored.ifPresent(m -> {
      if (fromObjectStore || !asynchronous()) {
        state = state.uploaded(m.sequence(), m.createdAt(), 0, null);
      } else if (m.object() != null) {
        pending.put(m.sequence(), m); // restored from the volume: the object store may not have it yet
      }
    });
    if (asynchronous() && uploader == null) {
      uploader = new Thread(this::uploadLoop, "tether-supervisor-uploader");
      uploader.setDaemon(true);
      uploader.start();
    }
  }

  /** Why a commit of {@code sequence} must wait (asynchronous only), or empty. */
  synchronized Optional<String> refusal(long sequence) {
    if (!asynchronous()) {
      return Optional.empty();
    }
    Duration maxLag = blobs.tier().get().config().maxLag();
    if (!pending.isEmpty()) {
      Instant oldest = pending.firstEntry().getValue().createdAt();
      Duration lag = Duration.between(oldest, clock.instant());
      if (lag.compareTo(maxLag) > 0) {
        return Optional.of(pending.size() + " committed checkpoint(s) not in the object store yet, the oldest for "
            + lag.toSeconds() + " s (maxLag " + maxLag.toSeconds() + " s)" + lastError());
      }
    }
    if (config.retain() > 0 && state.uploadedSequence() > 0 && sequence - config.retain() >= state.uploadedSequence()) {
      return Optional.of("committing checkpoint " + sequence + " would prune checkpoint " + state.uploadedSequence()
          + ", the newest one in the object store (retain " + config.retain() + ")" + lastError());
    }
    return Optional.empty();
  }

  private String lastError() {
    return state.error() == null ? "" : ": " + state.error();
  }

  /** A checkpoint was committed: uploaded already (synchronous) or to be uploaded (asynchronous). */
  synchronized void committed(Manifest manifest) {
    if (blobs.tier().isEmpty()) {
      return;
    }
    if (asynchronous()) {
      pending.put(manifest.sequence(), manifest);
      notifyAll();
      return;
    }
    state = state.uploaded(manifest.sequence(), manifest.createdAt(), 0, null);
    if (recordedError) {
      record(); // the outage is over
    }
  }

  /** A synchronous upload failed: the commit was refused. Recorded once per outage. */
  synchronized void failed(String why) {
    metrics.objectStoreFailed();
    state = state.failed(why, clock.instant(), pending.size(), oldestPending());
    if (!recordedError) {
      record();
    }
  }

  private void uploadLoop() {
    Duration retry = Duration.ofMillis(250);
    while (true) {
      Manifest next;
      synchronized (this) {
        while (!closed && !session.fenced() && pending.isEmpty()) {
          waitQuietly(Duration.ofSeconds(1));
        }
        if (closed || session.fenced()) {
          return;
        }
        next = pending.lastEntry().getValue();
      }
      Path blob = blobs.path(next.sequence());
      UploadState progress;
      try {
        if (!Files.exists(blob)) {
          synchronized (this) {
            pending.remove(next.sequence()); // pruned by retention meanwhile: a newer one is pending
          }
          continue;
        }
        blobs.tier().get().upload(blob, next.sequence(), next.object());
        synchronized (this) {
          pending.headMap(next.sequence(), true).clear();
          state = state.uploaded(next.sequence(), clock.instant(), pending.size(), oldestPending());
          progress = state;
        }
        retry = Duration.ofMillis(250);
      } catch (ObjectStoreTier.UnavailableException e) {
        LOG.warn("{} upload of checkpoint {} failed, retrying in {} ms: {}", who, next.sequence(), retry.toMillis(),
            e.getMessage());
        synchronized (this) {
          metrics.objectStoreFailed();
          state = state.failed(e.getMessage(), clock.instant(), pending.size(), oldestPending());
          progress = recordedError ? null : state;
        }
        if (progress != null) {
          record(progress);
        }
        synchronized (this) {
          waitQuietly(retry);
        }
        retry = retry.multipliedBy(2).compareTo(MAX_RETRY) > 0 ? MAX_RETRY : retry.multipliedBy(2);
        continue;
      }
      record(progress);
    }
  }

  private Instant oldestPending() {
    return pending.isEmpty() ? null : pending.firstEntry().getValue().createdAt();
  }

  private void record() {
    record(state);
  }

  /** Best effort, outside the lock when it can be: status is informational, the next record replaces a lost one. */
  private void record(UploadState progress) {
    try {
      if (store.recordUploads(config.session(), progress)) {
        synchronized (this) {
          recordedError = progress.error() != null;
        }
      }
    } catch (StoreException e) {
      LOG.warn("{} cannot record the object store's progress: {}", who, e.getMessage());
    }
  }

  private void waitQuietly(Duration timeout) {
    try {
      wait(Math.max(1, timeout.toMillis()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closed = true;
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    notifyAll();
  }
}
