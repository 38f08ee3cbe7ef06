package dev.tether.operator.controller;

import dev.tether.api.v1alpha1.CheckpointRef;
import dev.tether.api.v1alpha1.RestoreInfo;
import dev.tether.api.v1alpha1.ObjectStoreSpec;
import dev.tether.api.v1alpha1.ObjectStoreStatus;
import dev.tether.operator.checkpoint.CheckpointFollower;
import dev.tether.operator.checkpoint.ObjectStores;
import dev.tether.operator.checkpoint.SessionKeys;
import dev.tether.operator.events.EventRecorder;
import dev.tether.operator.support.Durations;
import dev.tether.operator.support.Times;
import dev.tether.store.Manifest;
import dev.tether.store.RestoreRecord;
import dev.tether.store.SessionKey;
import dev.tether.store.StoreUnavailableException;
import dev.tether.store.UploadState;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Objects;
import java.util.Optional;

/**
 * Copies what the checkpoint store knows into status: the newest checkpoint and what the current
 * incarnation restored. A restore from an older checkpoint than the newest (a digest did not verify) is
 * never silent: it is in status.restoredFrom with its reason and raises a Warning Event.
 */
public final class CheckpointReporter {
  private static final String NO_CHECKPOINT = "NoCheckpoint";
  private final CheckpointFollower follower;
  private final EventRecorder events;
  private final ObjectStores objectStores;

  public CheckpointReporter(CheckpointFollower follower, EventRecorder events, ObjectStores objectStores) {
    this.follower = follower;
    this.events = events;
    this.objectStores = objectStores;
  }

  public void report(Reconciliation r) {
    var status = r.status();
    SessionKey key = SessionKeys.of(r.session());
    try {
      follower.latest(key).ifPresent(m -> status.setLastCheckpoint(ref(m)));
    } catch (StoreUnavailableException e) {
      r.degraded("CheckpointStoreUnavailable", "the checkpoint store cannot be reached: " + e.getMessage());
      r.wakeIn(Duration.ofSeconds(5));
      return;
    }
    reportObjectStore(r);
    if (status.getEpoch() == 0) {
      return;
    }
    var restore = follower.restore(key, status.getEpoch());
    if (restore.isEmpty() || (status.getRestoredFrom() != null && status.getRestoredFrom().getEpoch() == status.getEpoch())) {
      return;
    }
    RestoreRecord record = restore.get();
    RestoreInfo info = new RestoreInfo();
    info.setEpoch(record.epoch());
    info.setSequence(record.sequence());
    info.setDigest(record.digest());
    info.setFallback(record.fallback());
    info.setReason(record.reason());
    info.setTime(record.time() == null ? null : Times.formatMillis(record.time()));
    info.setSource(record.source());
    status.setRestoredFrom(info);
    if (record.fallback()) {
      events.warning(r.session(), "RestoredFromOlderCheckpoint", "incarnation " + record.epoch()
          + " restored checkpoint " + record.sequence() + ": " + record.reason());
    } else if (record.sequence() == null && !NO_CHECKPOINT.equals(record.reason())) {
      // RequireLatest, or a rollback whose checkpoint does not verify: the incarnation stays unready.
      events.warning(r.session(), "RestoreRefused", "incarnation " + record.epoch() + " refuses to restore: "
          + record.reason());
    } else if (record.sequence() == null) {
      events.normal(r.session(), "StartedWithoutCheckpoint", "incarnation " + record.epoch()
          + " found no checkpoint to restore");
    } else {
      events.normal(r.session(), "Restored", "incarnation " + record.epoch() + " restored checkpoint "
          + record.sequence() + " (" + record.digest() + ")"
          + (RestoreRecord.OBJECT_STORE.equals(record.source()) ? " from the object store" : "")
          + ("Latest".equals(record.reason()) ? "" : ": " + record.reason()));
    }
  }

  private static CheckpointRef ref(Manifest m) {
    CheckpointRef ref = new CheckpointRef();
    ref.setSequence(m.sequence());
    ref.setEpoch(m.epoch());
    ref.setDigest(m.digest());
    ref.setSize(m.size());
    ref.setTime(Times.formatMillis(m.createdAt()));
    ref.setObject(m.object());
    ref.setMetadata(m.metadata() == null || m.metadata().isEmpty() ? null : new LinkedHashMap<>(m.metadata()));
    return ref;
  }

  /** Where the tier stands, and a Degraded condition while the object store fails or the uploads lag too far. */
  private void reportObjectStore(Reconciliation r) {
    var target = objectStores.target(r.session());
    if (target.isEmpty()) {
      r.status().setObjectStore(null);
      return;
    }
    ObjectStoreStatus before = r.status().getObjectStore();
    String errorBefore = before == null ? null : before.getError();
    ObjectStoreStatus tier = new ObjectStoreStatus();
    tier.setMode(target.get().mode().name());
    tier.setLocation(target.get().location());
    CheckpointRef last = r.status().getLastCheckpoint();
    Optional<UploadState> uploads;
    try {
      uploads = follower.uploads(SessionKeys.of(r.session())).filter(u -> u.epoch() == r.status().getEpoch());
    } catch (StoreUnavailableException e) {
      uploads = Optional.empty(); // reported as CheckpointStoreUnavailable on the next pass
    }
    if (target.get().mode() == ObjectStoreSpec.Mode.Synchronous) {
      // A checkpoint is committed only once uploaded, so the newest one with an object is it.
      if (last != null && last.getObject() != null) {
        tier.setUploadedSequence(last.getSequence());
        tier.setUploadedAt(last.getTime());
      }
    } else if (uploads.isPresent()) {
      UploadState u = uploads.get();
      tier.setUploadedSequence(u.uploadedSequence() == 0 ? null : u.uploadedSequence());
      tier.setUploadedAt(u.uploadedAt() == null ? null : Times.formatMillis(u.uploadedAt()));
      tier.setPendingCheckpoints(u.pending());
      tier.setPendingSince(u.pendingSince() == null ? null : Times.formatMillis(u.pendingSince()));
    } else if (before != null && Objects.equals(before.getMode(), tier.getMode())) {
      tier.setUploadedSequence(before.getUploadedSequence());
      tier.setUploadedAt(before.getUploadedAt());
    }
    uploads.filter(u -> u.error() != null).ifPresent(u -> {
      tier.setError(u.error());
      tier.setErrorSince(u.errorSince() == null ? null : Times.formatMillis(u.errorSince()));
      String message = "the object store at " + target.get().endpoint() + " fails since " + tier.getErrorSince() + ": "
          + u.error() + (target.get().mode() == ObjectStoreSpec.Mode.Synchronous
              ? "; the agent's checkpoints are refused with 503 object-store-unavailable until it is back"
              : "; " + u.pending() + " committed checkpoint(s) wait for their upload, and checkpoints are refused with "
                  + "503 object-store-lagging once they wait longer than maxLag " + Durations.format(target.get().maxLag()));
      if (!r.isDegraded()) {
        r.degraded("ObjectStoreUnavailable", message);
      }
      if (errorBefore == null) {
        events.warning(r.session(), "ObjectStoreUnavailable", message);
      }
    });
    if (errorBefore != null && tier.getError() == null) {
      events.normal(r.session(), "ObjectStoreRecovered", "the object store at " + target.get().endpoint()
          + " takes checkpoints again" + (tier.getUploadedSequence() == null ? ""
              : "; the newest one it holds is " + tier.getUploadedSequence()));
    }
    r.status().setObjectStore(tier);
  }
}
