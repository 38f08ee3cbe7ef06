package dev.tether.supervisor;

import com.sun.net.httpserver.HttpServer;
import dev.tether.store.CheckpointRequest;
import dev.tether.store.ContextStore;
import dev.tether.store.SessionKey;
import dev.tether.store.StoreEvent;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The session supervisor: the HTTP API, the startup restore check and a watch on the session's keys. Runs as
 * the sidecar's main ({@link SupervisorMain}) or embedded ({@link #start}), e.g. by the test bed.
 */
public final class Supervisor implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Supervisor.class);
  private static final int HTTP_THREADS = 8;

  static {
    // The JDK server writes headers and body separately; with Nagle on, small replies wait ~40 ms for the
    // client's delayed ACK. Read when the first HttpServer is created, so set it before that.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  private final SupervisorConfig config;
  private final ContextStore store;
  private final SessionState state = new SessionState();
  private final SupervisorMetrics metrics = new SupervisorMetrics();
  private final CountDownLatch closed = new CountDownLatch(1);
  private final HttpServer server;
  private final HttpServer probes;
  private final ExecutorService httpThreads;
  private final ContextStore.Watch watch;
  private final Thread startup;
  private final ObjectStoreTier tier;
  private final ObjectStoreUploads uploads;
  private final LongPolls longPolls = new LongPolls();

  private Supervisor(SupervisorConfig config, VolumeSpace volume) throws IOException {
    this.config = config;
    this.tier = config.objectStore() == null ? null : new ObjectStoreTier(config.objectStore());
    this.store = ContextStore.connect(config.store());
    try {
      BlobStore blobs = new BlobStore(config.checkpointDir(), tier, volume);
      metrics.volumeFreeBytes(blobs::usableSpace);
      this.uploads = new ObjectStoreUploads(config, store, blobs, state, metrics, java.time.Clock.systemUTC());
      CheckpointWriter writer = new CheckpointWriter(config, store, blobs, state, uploads, metrics);
      // Watch first, then read: a request or epoch change made in between is not missed.
      this.watch = store.watch(config.session(), new ContextStore.Listener() {
        @Override
        public void onEvent(StoreEvent event) {
          Supervisor.this.onEvent(event);
        }

        @Override
        public void onResynced() {
          resyncLater();
        }
      });
      this.server = HttpServer.create(new InetSocketAddress(config.bind(), config.port()), 0);
      AtomicInteger threads = new AtomicInteger();
      // Bounded so a misbehaving client cannot exhaust the pod. Long polls may take only LongPolls.MAX of the
      // threads, so HTTP_THREADS stay for everything else.
      int threadCount = HTTP_THREADS + LongPolls.MAX;
      this.httpThreads = new ThreadPoolExecutor(threadCount, threadCount, 60, TimeUnit.SECONDS,
          new LinkedBlockingQueue<>(), r -> {
            Thread thread = new Thread(r, "tether-supervisor-http-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
          });
      server.setExecutor(httpThreads);
      metrics.watchLongPolls(longPolls);
      SupervisorApi api = new SupervisorApi(config, store, blobs, state, writer, metrics, longPolls);
      api.register(server);
      this.probes = config.lifecycle().probePort() < 0 ? null
          : HttpServer.create(new InetSocketAddress(config.lifecycle().probePort()), 0);
      if (probes != null) {
        // The kubelet probes from the node and scrapers from elsewhere, so this listens on every address; it
        // answers health and metrics only.
        api.registerProbes(probes);
        probes.setExecutor(httpThreads);
        probes.start();
      }
      server.start();
      this.startup = new Thread(new StartupCheck(config, store, blobs, writer, uploads, state, metrics, closed), "tether-supervisor-startup");
      startup.setDaemon(true);
      startup.start();
    } catch (IOException | RuntimeException e) {
      store.close();
      if (tier != null) {
        tier.close();
      }
      throw e;
    }
    LOG.info("{} epoch={} supervisor listening on {}:{}, checkpoints in {}", config.session(), config.epoch(),
        config.bind(), port(), config.checkpointDir());
  }

  public static Supervisor start(SupervisorConfig config) throws IOException {
    return new Supervisor(config, VolumeSpace.REAL);
  }

  /** With the checkpoint volume seen through {@code volume}: tests fake a volume that fills up. */
  static Supervisor start(SupervisorConfig config, VolumeSpace volume) throws IOException {
    return new Supervisor(config, volume);
  }

  public int port() {
    return server.getAddress().getPort();
  }

  public SupervisorConfig config() {
    return config;
  }

  /** Ready: the startup restore check passed and the incarnation is not fenced. */
  public boolean ready() {
    return state.ready();
  }

  public boolean fenced() {
    return state.fenced();
  }

  /** The port of the probe listener; -1 when there is none. */
  public int probePort() {
    return probes == null ? -1 : probes.getAddress().getPort();
  }

  /** Returns when the operator asks this incarnation's supervisor to stop (its agent has finished). */
  public void awaitStopRequest() throws InterruptedException {
    state.awaitStopRequest();
  }

  /**
   * On SIGTERM: keeps serving the agent until its final checkpoint was answered, the operator asked this
   * incarnation to stop, or {@code timeout} passed; a native sidecar stops at once (the agent has exited).
   */
  public DrainEnd drain(java.time.Duration timeout) throws InterruptedException {
    LOG.info("{} epoch={} SIGTERM: serving the agent's final checkpoint for up to {} s", config.session(),
        config.epoch(), timeout.toSeconds());
    DrainEnd end = state.awaitDrained(timeout);
    LOG.info("{} epoch={} stopping: {}", config.session(), config.epoch(), end);
    return end;
  }

  /** This supervisor's own registry, also served as {@code GET /metrics}. */
  public PrometheusMeterRegistry metrics() {
    return metrics.registry();
  }

  /**
   * The watch missed events that etcd has compacted since (a newer epoch, a checkpoint request, a stop): read
   * them instead, off the watch's thread. Without this a fenced incarnation would learn it only from its next
   * refused commit.
   */
  private void resyncLater() {
    Thread thread = new Thread(this::resync, "tether-supervisor-resync");
    thread.setDaemon(true);
    thread.start();
  }

  private void resync() {
    SessionKey session = config.session();
    try {
      long epoch = store.epoch(session);
      onEvent(new StoreEvent.EpochChanged(session, epoch));
      Optional<CheckpointRequest> request = store.checkpointRequest(session);
      onEvent(request.<StoreEvent>map(r -> new StoreEvent.CheckpointRequested(session, r))
          .orElse(new StoreEvent.CheckpointRequestCleared(session)));
      store.stopRequest(session).ifPresent(stopEpoch -> onEvent(new StoreEvent.StopRequested(session, stopEpoch)));
      LOG.info("{} epoch={} read the session's keys again after the watch resumed past compacted events", session,
          config.epoch());
    } catch (RuntimeException e) {
      // The next refused commit still fences; the next resync (or request) reads again.
      LOG.warn("{} epoch={} could not read the session's keys after the watch resumed: {}", session,
          config.epoch(), e.toString());
    }
  }

  private void onEvent(StoreEvent event) {
    if (!event.session().equals(config.session())) {
      return;
    }
    String who = config.session() + " epoch=" + config.epoch();
    if (event instanceof StoreEvent.EpochChanged changed && changed.epoch() > config.epoch()) {
      if (!state.fenced()) {
        LOG.warn("{} FENCED: epoch advanced to {}; refusing all further writes", who, changed.epoch());
      }
      state.fence(changed.epoch());
    } else if (event instanceof StoreEvent.CheckpointRequested requested
        && requested.request().epoch() == config.epoch()) {
      LOG.info("{} checkpoint requested: id={} deadline={}", who, requested.request().requestId(),
          requested.request().deadline());
      state.requested(requested.request());
    } else if (event instanceof StoreEvent.CheckpointRequestCleared) {
      state.requestCleared();
    } else if (event instanceof StoreEvent.StopRequested stop && stop.epoch() == config.epoch()) {
      LOG.info("{} the agent has finished: stopping", who);
      state.stopRequested();
    }
  }

  @Override
  public void close() {
    closed.countDown();
    server.stop(0);
    if (probes != null) {
      probes.stop(0);
    }
    httpThreads.shutdownNow();
    uploads.close();
    watch.close();
    store.close();
    if (tier != null) {
      tier.close();
    }
    metrics.registry().close();
    LOG.info("{} epoch={} supervisor stopped", config.session(), config.epoch());
  }
}
