package dev.tether.supervisor;

import dev.tether.store.CommitResult;
import dev.tether.store.ContextStore;
import dev.tether.store.Manifest;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Saves one checkpoint: blob to the volume first, then the manifest to etcd, fenced by the epoch. One at a time.
 * A blob is only ever published under a free name, or over a leftover that etcd confirms is not committed, so a
 * fenced incarnation that shares the volume cannot replace a blob the current incarnation committed.
 */
final class CheckpointWriter {
  private static final Logger LOG = LoggerFactory.getLogger(CheckpointWriter.class);
  private static final int ATTEMPTS = 3;

  sealed interface Outcome {
    record Committed(Manifest manifest) implements Outcome {}

    record Fenced(long currentEpoch) implements Outcome {}

    /** The operator has not established this epoch in etcd (yet). */
    record EpochNotEstablished(long storedEpoch) implements Outcome {}

    record Conflict(String message) implements Outcome {}

    /** The body was empty (a chunked one can be): it would restore nothing, so it is not committed. */
    record Empty() implements Outcome {}

    /** The object store did not take the blob: nothing is committed, the agent may retry. */
    record ObjectStoreUnavailable(String message) implements Outcome {}

    /** Asynchronous tier: the uploads are too far behind to acknowledge another checkpoint; nothing is read. */
    record ObjectStoreLagging(String message) implements Outcome {}
  }

  private final SupervisorConfig config;
  private final ContextStore store;
  private final BlobStore blobs;
  private final SessionState state;
  private final ObjectStoreUploads uploads;
  private final SupervisorMetrics metrics;
  private final String who;
  private final ReentrantLock lock = new ReentrantLock();

  CheckpointWriter(SupervisorConfig config, ContextStore store, BlobStore blobs, SessionState state,
      ObjectStoreUploads uploads, SupervisorMetrics metrics) {
    this.config = config;
    this.uploads = uploads;
    this.metrics = metrics;
    this.store = store;
    this.blobs = blobs;
    this.state = state;
    this.who = config.session() + " epoch=" + config.epoch();
  }

  /**
   * Throws {@link BlobStore.TooLargeException}, {@link BlobStore.InsufficientStorageException} (the volume is
   * full even after pruning), IOException, or a StoreException (etcd unreachable). The body is read and flushed
   * to disk without the lock, so an agent that uploads slowly (or stalls) holds up only its own checkpoint; the
   * lock covers publishing and the commit, which take milliseconds. {@code expectedBytes} is the body's length
   * when known (else -1): with less room than that, the volume is pruned before the body is read.
   */
  Outcome write(InputStream body, long expectedBytes, Map<String, String> metadata) throws IOException {
    Optional<Outcome> refused = refusal();
    if (refused.isPresent()) {
      return refused.get();
    }
    BlobStore.FullVolume full = new BlobStore.FullVolume(this::pruneForSpace);
    BlobStore.Staged staged = blobs.stage(state.lastSequence() + 1, body, config.maxCheckpointBytes(),
        expectedBytes, full);
    lock.lock();
    try {
      try {
        refused = refusal();
        if (refused.isPresent()) {
          return refused.get();
        }
        if (staged.size() == 0) {
          return new Outcome.Empty();
        }
        long sequence = state.lastSequence() + 1;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
          if (!blobs.publishNew(staged, sequence, full)) {
            // The name is taken: a checkpoint committed by someone else, or our own attempt that never committed.
            long storedEpoch = store.epoch(config.session());
            if (storedEpoch > config.epoch()) {
              return fenced(storedEpoch);
            }
            long storedLast = store.lastSequence(config.session());
            if (storedLast >= sequence) {
              state.lastSequence(storedLast);
              sequence = storedLast + 1;
              continue;
            }
            blobs.publishReplacing(staged, sequence);
          }
          // Synchronous tier: acknowledged only once off the node too. The key names this epoch, so a fenced
          // incarnation that uploads late writes a key no manifest names. Asynchronous: the key is recorded now,
          // the object follows.
          String object = null;
          if (blobs.tier().isPresent() && uploads.asynchronous()) {
            object = blobs.tier().get().keyOf(sequence, config.epoch());
          } else if (blobs.tier().isPresent()) {
            try {
              object = blobs.tier().get().upload(blobs.path(sequence), sequence, config.epoch());
            } catch (ObjectStoreTier.UnavailableException e) {
              LOG.warn("{} checkpoint sequence={} not committed: {}", who, sequence, e.getMessage());
              uploads.failed(e.getMessage());
              return new Outcome.ObjectStoreUnavailable(e.getMessage());
            }
          }
          Optional<String> answers = state.pendingRequestId();
          Manifest manifest = new Manifest(sequence, config.epoch(), staged.digest(), staged.size(), Instant.now(),
              metadata, answers.orElse(null), object);
          CommitResult result = store.commit(config.session(), config.epoch(), manifest, config.retain());
          if (result instanceof CommitResult.Committed) {
            state.lastSequence(sequence);
            uploads.committed(manifest);
            answers.ifPresent(id -> state.answered(id, manifest.sequence()));
            LOG.info("{} committed checkpoint sequence={} size={} digest={}{}", who, sequence, staged.size(),
                staged.digest(), answers.map(id -> " answering request " + id).orElse(""));
            return new Outcome.Committed(manifest);
          }
          if (result instanceof CommitResult.Fenced fenced) {
            if (fenced.superseded()) {
              return fenced(fenced.currentEpoch());
            }
            LOG.warn("{} cannot commit: stored epoch is {}", who, fenced.currentEpoch());
            return new Outcome.EpochNotEstablished(fenced.currentEpoch());
          }
          CommitResult.SequenceConflict conflict = (CommitResult.SequenceConflict) result;
          state.lastSequence(conflict.lastSequence());
          LOG.warn("{} sequence {} conflicts with last committed {}", who, sequence, conflict.lastSequence());
          return new Outcome.Conflict("sequence " + sequence + " is not after " + conflict.lastSequence());
        }
        return new Outcome.Conflict("could not find a free sequence after " + ATTEMPTS + " attempts");
      } finally {
        blobs.discard(staged);
      }
    } finally {
      lock.unlock();
    }
  }

  /** Why no checkpoint can be taken now, before or after its body was read: fenced, or uploads lagging. */
  private Optional<Outcome> refusal() {
    lock.lock();
    try {
      if (state.fenced()) {
        return Optional.of(new Outcome.Fenced(state.currentEpoch()));
      }
      long sequence = state.lastSequence() + 1;
      Optional<String> lagging = uploads.refusal(sequence);
      if (lagging.isPresent()) {
        LOG.warn("{} checkpoint sequence={} not taken: {}", who, sequence, lagging.get());
        return Optional.of(new Outcome.ObjectStoreLagging(lagging.get()));
      }
      return Optional.empty();
    } finally {
      lock.unlock();
    }
  }

  private Outcome fenced(long currentEpoch) {
    state.fence(currentEpoch);
    LOG.warn("{} FENCED: epoch {} owns the session; refusing all further writes", who, currentEpoch);
    return new Outcome.Fenced(currentEpoch);
  }

  /**
   * The volume is full: deletes the oldest blobs so that only the newest {@code max(1, retain - 1)} committed ones
   * (and any above the last committed sequence: attempts etcd may have committed after all) remain, and temp files
   * of earlier attempts. Runs ahead of the commit that needs the room, so the blobs of up to {@code retain - 1}
   * manifests still in etcd may be gone for a while: a restore falls back over a manifest whose blob is missing
   * ({@link RestorePoint}, {@code BlobMissing}) to the newest one that is there, and the next commit's retention
   * deletes those manifests. The newest committed blob is never deleted, so a restore always has one.
   */
  private void pruneForSpace() throws IOException {
    lock.lock();
    try {
      long last = state.lastSequence();
      int keep = Math.max(1, config.retain() - 1);
      blobs.sweep(last - keep, last);
      metrics.volumeFullPruned();
      LOG.warn("{} checkpoint volume full: pruned blobs up to sequence {}, {} bytes usable now", who, last - keep,
          usableSpace());
    } finally {
      lock.unlock();
    }
  }

  private String usableSpace() {
    try {
      return Long.toString(blobs.usableSpace());
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  /**
   * Deletes the blobs of checkpoints that the commit transaction pruned (sequence up to last - retain), and
   * temp files of earlier attempts. Run after the reply: it is not on the agent's critical path.
   */
  void applyRetention() {
    long last;
    lock.lock();
    try {
      last = state.lastSequence();
      blobs.sweep(last - config.retain(), last);
    } catch (IOException | RuntimeException e) {
      // Retried after the next commit.
      LOG.warn("{} blob retention failed: {}", who, e.toString());
      return;
    } finally {
      lock.unlock();
    }
    // Outside the lock: the next commit need not wait for the object store's deletes.
    if (blobs.tier().isPresent() && last - config.retain() >= 1) {
      try {
        blobs.tier().get().prune(last - config.retain());
      } catch (IOException | RuntimeException e) {
        LOG.warn("{} object retention failed: {}", who, e.toString());
      }
    }
  }
}
