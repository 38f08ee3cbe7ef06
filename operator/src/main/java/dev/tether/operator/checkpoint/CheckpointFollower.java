package dev.tether.operator.checkpoint;

import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.store.ContextStore;
import dev.tether.store.Manifest;
import dev.tether.store.RestoreRecord;
import dev.tether.store.SessionKey;
import dev.tether.store.StoreEvent;
import dev.tether.store.UploadState;
import dev.tether.store.StoreUnavailableException;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the checkpoint store (one etcd watch for all sessions) and keeps the newest checkpoint and the
 * latest restore of every session. It wakes a session at most once per throttle interval, so an agent
 * that checkpoints every second does not cause a status write every second; restores wake it at once.
 */
public final class CheckpointFollower extends AbstractEventSource<Manifest, AgentSession> {
  private static final Logger LOG = LoggerFactory.getLogger(CheckpointFollower.class);

  private final ContextStore store;
  private final Duration throttle;
  private final Map<SessionKey, Manifest> latest = new ConcurrentHashMap<>();
  private final Map<SessionKey, RestoreRecord> restores = new ConcurrentHashMap<>();
  /** The newest checkpoint that answered a checkpoint request: later checkpoints must not hide it. */
  private final Map<SessionKey, Manifest> answers = new ConcurrentHashMap<>();
  /** The fencing epoch the store holds: read once per session, then kept current by the watch. */
  private final Map<SessionKey, Long> epochs = new ConcurrentHashMap<>();
  private final Map<SessionKey, Long> lastWake = new ConcurrentHashMap<>();
  /** The object-store tier's progress, for sessions that have one: read on first use, then from the watch. */
  private final Map<SessionKey, UploadState> uploads = new ConcurrentHashMap<>();
  private final Set<SessionKey> uploadsLoaded = ConcurrentHashMap.newKeySet();
  private final Set<SessionKey> pending = ConcurrentHashMap.newKeySet();
  private final Set<SessionKey> loaded = ConcurrentHashMap.newKeySet();
  private ScheduledExecutorService timer;
  private ContextStore.Watch watch;

  public CheckpointFollower(ContextStore store, Duration throttle) {
    super(Manifest.class, "checkpoints");
    this.store = store;
    this.throttle = throttle;
  }

  @Override
  public Set<Manifest> getSecondaryResources(AgentSession primary) {
    return latest(SessionKeys.of(primary)).map(Set::of).orElse(Set.of());
  }

  /** The newest checkpoint; read from the store once per session, then kept current by the watch. */
  public Optional<Manifest> latest(SessionKey key) {
    load(key);
    return Optional.ofNullable(latest.get(key));
  }

  /** The epoch the store holds (0 for none), as the watch last reported it. */
  public long epoch(SessionKey key) {
    load(key);
    return epochs.getOrDefault(key, 0L);
  }

  /**
   * Reads what the watch has not delivered yet; marked loaded only once the read succeeded, so a store that is
   * down is asked again on the next pass.
   */
  private void load(SessionKey key) {
    if (loaded.contains(key)) {
      return;
    }
    long epoch = store.epoch(key);
    Optional<Manifest> newest = store.latest(key);
    // A watch event that arrived meanwhile is newer than what was read; epochs only grow.
    epochs.merge(key, epoch, Math::max);
    newest.ifPresent(m -> latest.merge(key, m, (a, b) -> b.sequence() >= a.sequence() ? b : a));
    loaded.add(key);
  }

  /**
   * The checkpoint that answered request {@code requestId}, if any: from the watch, else (a watch cut by an etcd
   * restart may have missed it) from the manifests the store still keeps.
   */
  public Optional<Manifest> answer(SessionKey key, String requestId) {
    Manifest known = answers.get(key);
    if (known != null && requestId.equals(known.answersRequest())) {
      return Optional.of(known);
    }
    try {
      return store.manifests(key).stream().filter(m -> requestId.equals(m.answersRequest())).findFirst();
    } catch (StoreUnavailableException e) {
      return Optional.empty();
    }
  }

  /**
   * What the incarnation of this epoch restored, if it reported it yet. Usually known from the watch; read
   * from the store when not, since a watch that was cut (etcd restarting) may resume after the record.
   */
  public Optional<RestoreRecord> restore(SessionKey key, long epoch) {
    RestoreRecord known = restores.get(key);
    if (known != null && known.epoch() == epoch) {
      return Optional.of(known);
    }
    try {
      Optional<RestoreRecord> stored = store.restore(key, epoch);
      stored.ifPresent(r -> restores.merge(key, r, (a, b) -> b.epoch() >= a.epoch() ? b : a));
      return stored;
    } catch (StoreUnavailableException e) {
      return Optional.empty();
    }
  }

  /** How far the session's object-store tier is, as its supervisor last recorded it. */
  public Optional<UploadState> uploads(SessionKey key) {
    if (!uploadsLoaded.contains(key)) {
      store.uploads(key).ifPresent(u -> uploads.merge(key, u, CheckpointFollower::newer));
      uploadsLoaded.add(key);
    }
    return Optional.ofNullable(uploads.get(key));
  }

  private static UploadState newer(UploadState a, UploadState b) {
    return b.epoch() > a.epoch() || b.epoch() == a.epoch() && b.uploadedSequence() >= a.uploadedSequence() ? b : a;
  }

  @Override
  public void start() {
    timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "tether-checkpoint-follower");
      t.setDaemon(true);
      return t;
    });
    watch = store.watch(new ContextStore.Listener() {
      @Override
      public void onEvent(StoreEvent event) {
        CheckpointFollower.this.onEvent(event);
      }

      @Override
      public void onResynced() {
        resync();
      }
    });
    super.start();
  }

  @Override
  public void stop() {
    if (watch != null) {
      try {
        watch.close();
      } catch (Exception e) {
        LOG.debug("closing the checkpoint watch", e);
      }
    }
    if (timer != null) {
      timer.shutdownNow();
    }
    super.stop();
  }

  /** Forgets a deleted session. */
  public void forget(SessionKey key) {
    latest.remove(key);
    restores.remove(key);
    uploads.remove(key);
    uploadsLoaded.remove(key);
    answers.remove(key);
    lastWake.remove(key);
    epochs.remove(key);
    loaded.remove(key);
  }

  /**
   * The watch resumed past events etcd had compacted: every session reads the store again on its next pass, and
   * every known session gets that pass now (a newer epoch or a checkpoint may be among what was missed).
   */
  private void resync() {
    Set<SessionKey> known = new java.util.HashSet<>(loaded);
    known.addAll(latest.keySet());
    loaded.clear();
    uploadsLoaded.clear();
    LOG.info("the checkpoint watch resumed past compacted events: reading {} sessions again", known.size());
    known.forEach(this::wake);
  }

  private void onEvent(StoreEvent event) {
    if (event instanceof StoreEvent.CheckpointCommitted committed) {
      latest.merge(committed.session(), committed.manifest(),
          (a, b) -> b.sequence() >= a.sequence() ? b : a);
      if (committed.manifest().answersRequest() != null) {
        answers.merge(committed.session(), committed.manifest(), (a, b) -> b.sequence() >= a.sequence() ? b : a);
        wake(committed.session()); // a planned move waits for this one
      } else {
        wakeThrottled(committed.session());
      }
    } else if (event instanceof StoreEvent.EpochChanged changed) {
      Long before = epochs.put(changed.session(), changed.epoch());
      if (before != null && before != changed.epoch()) {
        wake(changed.session()); // raised by someone else, or lost: the session must look at once
      }
    } else if (event instanceof StoreEvent.UploadsRecorded recorded) {
      UploadState before = uploads.get(recorded.session());
      uploads.put(recorded.session(), recorded.state());
      if (before == null || (before.error() == null) != (recorded.state().error() == null)) {
        wake(recorded.session()); // an outage began or ended
      } else {
        wakeThrottled(recorded.session());
      }
    } else if (event instanceof StoreEvent.RestoreRecorded restored) {
      restores.merge(restored.session(), restored.record(), (a, b) -> b.epoch() >= a.epoch() ? b : a);
      wake(restored.session());
    }
  }

  private void wakeThrottled(SessionKey key) {
    long now = System.nanoTime();
    Long last = lastWake.get(key);
    long wait = last == null ? 0 : throttle.toNanos() - (now - last);
    if (wait <= 0) {
      wake(key);
    } else if (pending.add(key) && timer != null) {
      timer.schedule(() -> {
        pending.remove(key);
        wake(key);
      }, wait, TimeUnit.NANOSECONDS);
    }
  }

  private void wake(SessionKey key) {
    lastWake.put(key, System.nanoTime());
    if (getEventHandler() != null && isRunning()) {
      ResourceID id = SessionKeys.resourceId(key);
      getEventHandler().handleEvent(new Event(id));
    }
  }
}
