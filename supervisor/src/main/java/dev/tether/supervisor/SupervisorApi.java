package dev.tether.supervisor;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.tether.store.ContextStore;
import dev.tether.store.Manifest;
import dev.tether.store.RestoreRecord;
import dev.tether.store.StoreAccessDeniedException;
import dev.tether.store.StoreException;
import dev.tether.supervisor.SupervisorMetrics.CommitResult;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The localhost HTTP API the agent talks to (see docs/checkpoint-api.md). */
final class SupervisorApi {
  private static final Logger LOG = LoggerFactory.getLogger(SupervisorApi.class);
  static final Duration MAX_LONG_POLL = Duration.ofSeconds(30);

  private final SupervisorConfig config;
  private final ContextStore store;
  private final BlobStore blobs;
  private final SessionState state;
  private final CheckpointWriter writer;
  private final SupervisorMetrics metrics;
  private final LongPolls longPolls;
  private final String who;

  SupervisorApi(SupervisorConfig config, ContextStore store, BlobStore blobs, SessionState state,
                CheckpointWriter writer, SupervisorMetrics metrics, LongPolls longPolls) {
    this.config = config;
    this.longPolls = longPolls;
    this.store = store;
    this.blobs = blobs;
    this.state = state;
    this.writer = writer;
    this.metrics = metrics;
    this.who = config.session() + " epoch=" + config.epoch();
  }

  void register(HttpServer server) {
    server.createContext("/", exchange -> handle(exchange, this::route));
  }

  /** Health and metrics, for the kubelet's probes and for scrapers: no checkpoint data, no session details. */
  void registerProbes(HttpServer server) {
    server.createContext("/", exchange -> handle(exchange, e -> {
      switch (e.getRequestURI().getPath()) {
        case "/healthz", "/readyz", "/metrics" -> route(e);
        default -> Http.error(e, 404, "not-found", "this port serves /healthz, /readyz and /metrics only");
      }
    }));
  }

  private interface Handler {
    void handle(HttpExchange exchange) throws IOException;
  }

  private void handle(HttpExchange exchange, Handler handler) {
    try {
      handler.handle(exchange);
    } catch (StoreAccessDeniedException e) {
      LOG.error("{} etcd refused access: {}", who, e.getMessage());
      respondQuietly(exchange, 500, "store-access-denied", e.getMessage());
    } catch (StoreException e) {
      LOG.warn("{} etcd unavailable: {}", who, e.getMessage());
      respondQuietly(exchange, 503, "store-unavailable", "the checkpoint store (etcd) cannot be reached: "
          + e.getMessage());
    } catch (IOException | RuntimeException e) {
      LOG.error("{} {} {} failed", who, exchange.getRequestMethod(), exchange.getRequestURI(), e);
      respondQuietly(exchange, 500, "internal", String.valueOf(e.getMessage()));
    } finally {
      exchange.close();
    }
  }

  private static void respondQuietly(HttpExchange exchange, int status, String error, String message) {
    try {
      Http.error(exchange, status, error, message);
    } catch (IOException | RuntimeException ignored) {
      // headers were already sent, or the client is gone
    }
  }

  private void route(HttpExchange exchange) throws IOException {
    String method = exchange.getRequestMethod();
    String path = exchange.getRequestURI().getPath();
    switch (path) {
      case "/v1/checkpoints" -> only("POST", method, exchange, this::postCheckpoint);
      case "/v1/checkpoints/latest" -> only("GET", method, exchange, this::getLatest);
      case "/v1/session" -> only("GET", method, exchange, this::getSession);
      case "/v1/checkpoint-request" -> only("GET", method, exchange, this::getCheckpointRequest);
      case "/metrics" -> only("GET", method, exchange,
          e -> Http.text(exchange, 200, Http.PROMETHEUS_TEXT, metrics.scrape()));
      case "/healthz" -> Http.text(exchange, 200, "ok");
      case "/readyz" -> {
        if (state.ready()) {
          Http.text(exchange, 200, "ok");
        } else {
          Http.text(exchange, 503, "not ready: " + state.notReadyReason());
        }
      }
      default -> Http.error(exchange, 404, "not-found", "no such endpoint: " + path);
    }
  }

  private static void only(String expected, String method, HttpExchange exchange, Handler handler)
      throws IOException {
    if (!expected.equals(method)) {
      exchange.getResponseHeaders().set("Allow", expected);
      Http.error(exchange, 405, "method-not-allowed", "use " + expected);
      return;
    }
    handler.handle(exchange);
  }

  /** Marks the agent's last checkpoint before it exits (it saves on SIGTERM): the supervisor may then stop. */
  static final String FINAL_HEADER = "X-Tether-Final";

  // POST /v1/checkpoints
  private void postCheckpoint(HttpExchange exchange) throws IOException {
    // The kubelet signals both containers at once, so the agent's final save may arrive before the
    // supervisor's own SIGTERM: the header says so either way.
    boolean last = state.draining() || "true".equalsIgnoreCase(exchange.getRequestHeaders().getFirst(FINAL_HEADER));
    if (state.fenced()) {
      fenced(exchange, state.currentEpoch());
      return;
    }
    if (!state.ready()) {
      metrics.refused(CommitResult.UNAVAILABLE);
      Http.error(exchange, 503, "not-ready", "not ready: " + state.notReadyReason());
      return;
    }
    String length = exchange.getRequestHeaders().getFirst("Content-Length");
    boolean chunked = exchange.getRequestHeaders().getFirst("Transfer-Encoding") != null;
    if (length == null && !chunked) {
      // The JDK reads such a body as empty: committed, it would become the restore point.
      Http.error(exchange, 411, "length-required", "send the checkpoint with Content-Length or chunked");
      return;
    }
    if (length != null && Long.parseLong(length.trim()) == 0) {
      emptyCheckpoint(exchange);
      return;
    }
    if (length != null && Long.parseLong(length.trim()) > config.maxCheckpointBytes()) {
      tooLarge(exchange);
      return;
    }
    Map<String, String> metadata;
    try {
      metadata = CheckpointMetadata.from(exchange);
    } catch (IllegalArgumentException e) {
      Http.error(exchange, 400, "bad-metadata", e.getMessage());
      return;
    }
    CheckpointWriter.Outcome outcome;
    long start = System.nanoTime();
    try (InputStream body = new RequestBody(exchange.getRequestBody())) {
      try {
        outcome = writer.write(body, length == null ? -1 : Long.parseLong(length.trim()), metadata);
      } catch (BlobStore.InsufficientStorageException e) {
        // Nothing was committed and the temp file is gone; older blobs were pruned, the newest committed one
        // kept. The rest of the body is read first: a connection closed on unread bytes is reset, and the agent
        // would see that instead of the answer.
        LOG.warn("{} checkpoint not committed: {}", who, e.getMessage());
        discardRest(body, config.maxCheckpointBytes());
        metrics.refused(CommitResult.INSUFFICIENT_STORAGE);
        Http.error(exchange, 507, "insufficient-storage", e.getMessage() + "; nothing was committed: retry later,"
            + " or send a smaller checkpoint");
        return;
      }
    } catch (BlobStore.TooLargeException e) {
      tooLarge(exchange);
      return;
    } catch (RequestBody.Incomplete e) {
      Http.error(exchange, 400, "incomplete-body", "the body ended before it was complete: " + e.getMessage());
      return;
    } catch (StoreException e) {
      metrics.refused(CommitResult.UNAVAILABLE);
      throw e;
    }
    if (outcome instanceof CheckpointWriter.Outcome.Committed committed) {
      Manifest m = committed.manifest();
      metrics.committed(start, m.size(), m.createdAt());
      Http.json(exchange, 201, Http.object().put("sequence", m.sequence()).put("epoch", m.epoch())
          .put("digest", m.digest()).put("size", m.size()));
      exchange.close();
      if (last) {
        state.finalCommitAnswered();
      }
      writer.applyRetention();
    } else if (outcome instanceof CheckpointWriter.Outcome.Empty) {
      emptyCheckpoint(exchange);
    } else if (outcome instanceof CheckpointWriter.Outcome.Fenced fenced) {
      fenced(exchange, fenced.currentEpoch());
    } else if (outcome instanceof CheckpointWriter.Outcome.EpochNotEstablished notYet) {
      metrics.refused(CommitResult.UNAVAILABLE);
      Http.error(exchange, 503, "epoch-not-established", "etcd holds epoch " + notYet.storedEpoch()
          + ", this incarnation is " + config.epoch() + "; retry later");
    } else if (outcome instanceof CheckpointWriter.Outcome.ObjectStoreUnavailable unavailable) {
      metrics.refused(CommitResult.UNAVAILABLE);
      Http.error(exchange, 503, "object-store-unavailable", "the checkpoint was not committed: "
          + unavailable.message() + "; retry later");
    } else if (outcome instanceof CheckpointWriter.Outcome.ObjectStoreLagging lagging) {
      metrics.refused(CommitResult.UNAVAILABLE);
      Http.error(exchange, 503, "object-store-lagging", "the checkpoint was not committed: "
          + lagging.message() + "; retry later");
    } else if (outcome instanceof CheckpointWriter.Outcome.Conflict conflict) {
      metrics.refused(CommitResult.UNAVAILABLE);
      Http.error(exchange, 503, "sequence-conflict", conflict.message() + "; retry");
    }
  }

  /** Reads and drops what is left of a body, at most {@code max} bytes (the body was within that limit). */
  private static void discardRest(InputStream body, long max) {
    byte[] buffer = new byte[64 * 1024];
    try {
      for (long left = max; left > 0; ) {
        int n = body.read(buffer, 0, (int) Math.min(buffer.length, left));
        if (n < 0) {
          return;
        }
        left -= n;
      }
    } catch (IOException ignored) {
      // the client is gone: nobody to answer
    }
  }

  private void fenced(HttpExchange exchange, long currentEpoch) throws IOException {
    metrics.refused(CommitResult.FENCED);
    Http.json(exchange, 409, Http.object().put("error", "fenced").put("epoch", config.epoch())
        .put("currentEpoch", currentEpoch)
        .put("message", "a newer incarnation (epoch " + currentEpoch + ") owns this session: stop working and exit;"
            + " no further checkpoint will be accepted"));
  }

  private static void emptyCheckpoint(HttpExchange exchange) throws IOException {
    Http.error(exchange, 400, "empty-checkpoint", "an empty checkpoint would restore nothing; send the context");
  }

  private void tooLarge(HttpExchange exchange) throws IOException {
    metrics.refused(CommitResult.TOO_LARGE);
    Http.error(exchange, 413, "too-large", "checkpoints are limited to " + config.maxCheckpointBytes() + " bytes");
  }

  // GET /v1/checkpoints/latest
  private void getLatest(HttpExchange exchange) throws IOException {
    if (state.fenced()) {
      // A fenced agent that restarts must not load the newer incarnation's context and repeat its work.
      fenced(exchange, state.currentEpoch());
      return;
    }
    if (config.rollbackTo() != null && !state.ready()) {
      // Until the rollback commit is in, the newest checkpoint is the one the rollback replaces.
      Optional<RestoreRecord> refused = state.restoredFrom().filter(r -> r.sequence() == null);
      if (refused.isPresent()) {
        Http.error(exchange, 409, "rollback-refused", refused.get().reason());
      } else {
        exchange.getResponseHeaders().set("Retry-After", "1");
        Http.error(exchange, 503, "rollback-pending", "rolling back to checkpoint #" + config.rollbackTo()
            + "; ask again in a moment");
      }
      return;
    }
    try (RestorePoint point = RestorePoint.find(store.manifests(config.session()), blobs)) {
      var headers = exchange.getResponseHeaders();
      headers.set("X-Tether-Epoch", Long.toString(config.epoch()));
      headers.set("X-Tether-Restore-Fallback", Boolean.toString(point.fallback()));
      headers.set("X-Tether-Restore-Reason", point.reason());
      if (point.newestFailed() && config.restorePolicy() == RestorePolicy.RequireLatest) {
        Http.error(exchange, 409, "restore-refused", "restore policy RequireLatest: " + point.reason()
            + "; the newest checkpoint must be repaired or deleted by an operator");
        return;
      }
      if (point.restored().isEmpty()) {
        Http.error(exchange, 404, "no-checkpoint", point.reason());
        return;
      }
      Manifest manifest = point.manifest();
      headers.set("X-Tether-Sequence", Long.toString(manifest.sequence()));
      headers.set("X-Tether-Digest", manifest.digest());
      headers.set("X-Tether-Checkpoint-Epoch", Long.toString(manifest.epoch()));
      headers.set("X-Tether-Created-At", manifest.createdAt().toString());
      headers.set("Content-Type", "application/octet-stream");
      CheckpointMetadata.toHeaders(exchange, manifest.metadata());
      exchange.sendResponseHeaders(200, manifest.size() == 0 ? -1 : manifest.size());
      try (InputStream in = point.blob().stream(); OutputStream out = exchange.getResponseBody()) {
        in.transferTo(out);
      }
    }
  }

  // GET /v1/session
  private void getSession(HttpExchange exchange) throws IOException {
    ObjectNode body = Http.object()
        .put("name", config.session().name())
        .put("namespace", config.session().namespace())
        .put("epoch", config.epoch())
        .put("fenced", state.fenced())
        .put("ready", state.ready())
        .put("lastSequence", state.lastSequence());
    if (state.fenced()) {
      body.put("currentEpoch", state.currentEpoch());
    }
    if (!state.ready()) {
      body.put("notReadyReason", state.notReadyReason());
    }
    Optional<RestoreRecord> restored = state.restoredFrom();
    if (restored.isPresent()) {
      RestoreRecord r = restored.get();
      ObjectNode node = body.putObject("restoredFrom");
      if (r.sequence() == null) {
        node.putNull("sequence");
      } else {
        node.put("sequence", r.sequence());
      }
      node.put("digest", r.digest()).put("fallback", r.fallback()).put("reason", r.reason())
          .put("time", r.time().toString());
    } else {
      body.putNull("restoredFrom");
    }
    Optional<SessionState.Request> request = state.request();
    if (request.isPresent()) {
      body.set("checkpointRequested", requestJson(request.get()));
    } else {
      body.putNull("checkpointRequested");
    }
    Http.json(exchange, 200, body);
  }

  // GET /v1/checkpoint-request[?wait=30]
  private void getCheckpointRequest(HttpExchange exchange) throws IOException {
    Duration wait;
    try {
      String raw = Http.query(exchange).getOrDefault("wait", "0");
      wait = Duration.ofSeconds(Long.parseLong(raw.endsWith("s") ? raw.substring(0, raw.length() - 1) : raw));
    } catch (IllegalArgumentException e) { // a bad number or a bad %-escape
      wait = null;
    }
    if (wait == null || wait.isNegative()) {
      Http.error(exchange, 400, "bad-wait", "wait is a number of seconds, 0 or more");
      return;
    }
    if (wait.compareTo(MAX_LONG_POLL) > 0) {
      wait = MAX_LONG_POLL;
    }
    if (state.fenced()) {
      // Answering 204 at once would make a polling agent spin; it is told to stop instead.
      fenced(exchange, state.currentEpoch());
      return;
    }
    Optional<SessionState.Request> now = state.request().filter(SessionState.Request::pending);
    if (now.isPresent() || wait.isZero()) {
      answerPoll(exchange, now);
      return;
    }
    Duration waitFor = wait;
    if (!longPolls.tryRun(() -> awaitAndAnswer(exchange, waitFor))) {
      metrics.longPollRefused();
      exchange.getResponseHeaders().set("Retry-After", "1");
      Http.error(exchange, 429, "too-many-long-polls", LongPolls.MAX
          + " long polls are waiting already; poll with one connection, or read GET /v1/session");
    }
  }

  private void awaitAndAnswer(HttpExchange exchange, Duration wait) throws IOException {
    Optional<SessionState.Request> pending;
    try {
      pending = state.awaitPendingRequest(wait);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      pending = Optional.empty();
    }
    answerPoll(exchange, pending);
  }

  private void answerPoll(HttpExchange exchange, Optional<SessionState.Request> pending) throws IOException {
    if (pending.isEmpty()) {
      Http.empty(exchange, 204);
      return;
    }
    Http.json(exchange, 200, requestJson(pending.get()));
  }

  /** The request body, telling a body cut short (the client closed early) from a failure to store it. */
  private static final class RequestBody extends java.io.FilterInputStream {
    static final class Incomplete extends IOException {
      Incomplete(IOException cause) {
        super(cause.getMessage(), cause);
      }
    }

    RequestBody(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      try {
        return super.read();
      } catch (IOException e) {
        throw new Incomplete(e);
      }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      try {
        return super.read(b, off, len);
      } catch (IOException e) {
        throw new Incomplete(e);
      }
    }
  }

  private static ObjectNode requestJson(SessionState.Request request) {
    ObjectNode node = Http.object()
        .put("requestId", request.request().requestId())
        .put("epoch", request.request().epoch())
        .put("deadline", request.request().deadline().toString())
        .put("answered", !request.pending());
    if (request.answeredBySequence() != null) {
      node.put("answeredBySequence", request.answeredBySequence());
    }
    return node;
  }
}
