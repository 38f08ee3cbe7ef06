package dev.tether.store;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A prefix watch that survives etcd outages. jetcd resumes a watch by itself after transient errors; when it
 * gives up instead (it reports an error and closes the watcher), this class opens a new one from the revision
 * after the last event it saw, with a capped backoff, so no event is lost unless etcd compacted it.
 */
final class ResumingWatch implements ContextStore.Watch {
  private static final Logger LOG = LoggerFactory.getLogger(ResumingWatch.class);
  private static final long INITIAL_BACKOFF_MS = 200;
  private static final long MAX_BACKOFF_MS = 5_000;

  private final Watch client;
  private final ByteSequence prefix;
  private final EventDecoder decoder;
  private final ContextStore.Listener listener;
  private final ScheduledExecutorService scheduler;
  private long nextRevision;
  /** Set when a re-watch had to start from now: the listener is told once that watch is in place. */
  private boolean resyncing;
  private long backoffMs = INITIAL_BACKOFF_MS;
  private Watch.Watcher watcher;
  private boolean closed;

  private ResumingWatch(Watch client, ByteSequence prefix, EventDecoder decoder, ContextStore.Listener listener,
                        ScheduledExecutorService scheduler) {
    this.client = client;
    this.prefix = prefix;
    this.decoder = decoder;
    this.listener = listener;
    this.scheduler = scheduler;
  }

  static ResumingWatch start(Watch client, ByteSequence prefix, EventDecoder decoder, ContextStore.Listener listener,
                             ScheduledExecutorService scheduler) {
    ResumingWatch watch = new ResumingWatch(client, prefix, decoder, listener, scheduler);
    watch.open();
    return watch;
  }

  // jetcd calls onFailure while holding its own lock, so no jetcd call is made while holding ours:
  // otherwise open() and onFailure() on two threads wait for each other forever.
  private void open() {
    long revision;
    synchronized (this) {
      if (closed) {
        return;
      }
      revision = nextRevision;
    }
    WatchOption option = WatchOption.builder().isPrefix(true).withRevision(revision)
        .withCreateNotify(true).build();
    Watch.Watcher opened = client.watch(prefix, option, Watch.listener(this::onResponse, this::onFailure));
    boolean closeIt;
    synchronized (this) {
      closeIt = closed;
      if (!closed) {
        watcher = opened;
      }
    }
    if (closeIt) {
      opened.close();
    }
  }

  private void onResponse(WatchResponse response) {
    boolean resynced = false;
    synchronized (this) {
      backoffMs = INITIAL_BACKOFF_MS;
      if (nextRevision == 0 && response.isCreatedNotify()) {
        // Remember where we started, so a re-watch before the first event misses nothing.
        nextRevision = response.getHeader().getRevision() + 1;
      }
      if (resyncing && response.isCreatedNotify()) {
        resyncing = false;
        resynced = true;
      }
    }
    if (resynced) {
      try {
        listener.onResynced();
      } catch (RuntimeException e) {
        LOG.warn("watch listener failed to resynchronise: {}", e.toString());
      }
    }
    for (WatchEvent event : response.getEvents()) {
      synchronized (this) {
        if (closed) {
          return;
        }
        nextRevision = Math.max(nextRevision, event.getKeyValue().getModRevision() + 1);
      }
      try {
        decoder.decode(event).ifPresent(listener::onEvent);
      } catch (RuntimeException e) {
        LOG.warn("ignoring event on {}: {}", event.getKeyValue().getKey().toString(UTF_8), e.toString());
      }
    }
  }

  private void onFailure(Throwable failure) {
    long delay;
    Watch.Watcher failed;
    synchronized (this) {
      if (closed) {
        return;
      }
      if (failure instanceof CompactedException) {
        // The events we wanted are gone: continue from now and tell the listener to resynchronise.
        nextRevision = 0;
        resyncing = true;
      }
      failed = watcher;
      watcher = null;
      delay = backoffMs;
      backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
    }
    if (failed != null) {
      failed.close();
    }
    LOG.info("watch on {} failed ({}); re-watching from revision {} in {} ms", prefix.toString(UTF_8),
        failure.toString(), nextRevision, delay);
    try {
      listener.onError(EtcdCalls.translate("watch " + prefix.toString(UTF_8), failure));
    } catch (RuntimeException e) {
      LOG.warn("watch listener failed: {}", e.toString());
    }
    if (!scheduler.isShutdown()) {
      scheduler.schedule(this::open, delay, TimeUnit.MILLISECONDS);
    }
  }

  @Override
  public void close() {
    Watch.Watcher current;
    synchronized (this) {
      closed = true;
      current = watcher;
      watcher = null;
    }
    if (current != null) {
      current.close();
    }
  }
}
