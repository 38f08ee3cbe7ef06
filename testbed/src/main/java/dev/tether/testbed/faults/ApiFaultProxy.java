package dev.tether.testbed.faults;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.internal.SSLUtils;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An HTTP proxy between one client (the operator) and the real kube-apiserver that injects the faults a
 * loaded control plane produces: a write the apiserver applied whose response never arrives, a 409 the
 * client did not cause, and watch events that arrive late (a stale informer cache). The client speaks plain
 * HTTP on loopback; the proxy forwards over TLS with the credentials of the configuration it was given, so
 * every request really reaches the apiserver and every answer is the apiserver's own unless a fault says
 * otherwise. Faults are armed by the test and fire on the requests they match.
 */
public final class ApiFaultProxy implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ApiFaultProxy.class);
  /** Headers the JDK client sets itself or that describe the hop, not the request. */
  private static final Set<String> HOP_HEADERS = Set.of("connection", "content-length", "expect", "host", "upgrade",
      "http2-settings", "transfer-encoding", "keep-alive", "te", "trailer", "proxy-connection");

  /** A request as the proxy saw it: what faults match on. */
  public record Request(String method, String path, String query, String body) {
    public boolean isWatch() {
      return query != null && query.contains("watch=true");
    }
  }

  private final HttpServer server;
  private final ExecutorService threads;
  private final HttpClient upstream;
  private final URI target;
  private final Config clientTemplate;
  private final List<OneShot> dropResponses = new CopyOnWriteArrayList<>();
  private final List<OneShot> conflicts = new CopyOnWriteArrayList<>();
  private final List<OneShot> forbidden = new CopyOnWriteArrayList<>();
  private final List<Hold> holds = new CopyOnWriteArrayList<>();
  private final AtomicInteger dropped = new AtomicInteger();
  private final AtomicInteger conflicted = new AtomicInteger();
  private final AtomicInteger forbade = new AtomicInteger();

  private ApiFaultProxy(Config apiServer) throws IOException, GeneralSecurityException {
    this.target = URI.create(apiServer.getMasterUrl().replaceAll("/+$", ""));
    this.clientTemplate = apiServer;
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(SSLUtils.keyManagers(apiServer), SSLUtils.trustManagers(apiServer), null);
    this.upstream = HttpClient.newBuilder().sslContext(tls).version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10)).build();
    AtomicInteger count = new AtomicInteger();
    this.threads = Executors.newCachedThreadPool(runnable -> {
      Thread thread = new Thread(runnable, "api-fault-proxy-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    });
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    server.setExecutor(threads);
    server.createContext("/", this::handle);
    server.start();
  }

  /** Starts a proxy in front of the apiserver that {@code apiServer} points at, with its credentials. */
  public static ApiFaultProxy start(Config apiServer) {
    try {
      return new ApiFaultProxy(apiServer);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("TLS client for the apiserver", e);
    }
  }

  /** A client configuration that goes through this proxy (plain HTTP on loopback, no credentials needed). */
  public Config clientConfig() {
    return new ConfigBuilder(clientTemplate)
        .withMasterUrl("http://127.0.0.1:" + server.getAddress().getPort())
        .withCaCertFile(null).withCaCertData(null)
        .withClientCertFile(null).withClientCertData(null).withClientKeyFile(null).withClientKeyData(null)
        .build();
  }

  /** The next request matching {@code which} reaches the apiserver, and its response is dropped (connection closed). */
  public void dropNextResponse(Predicate<Request> which) {
    dropResponses.add(new OneShot(which, () -> {}));
  }

  /**
   * Like {@link #dropNextResponse(Predicate)}, and from that moment the events of watches whose path matches
   * {@code lagging} are held back for {@code lag}: the client retries on a cache that has not seen its own write.
   */
  public void dropNextResponse(Predicate<Request> which, Predicate<String> lagging, Duration lag) {
    dropResponses.add(new OneShot(which, () -> holdWatchEvents(lagging, lag)));
  }

  /** The next request matching {@code which} is answered 409 Conflict without reaching the apiserver. */
  public void conflictNext(Predicate<Request> which) {
    conflicts.add(new OneShot(which, () -> {}));
  }

  /**
   * The next {@code times} requests matching {@code which} are answered 403 Forbidden without reaching the
   * apiserver, as a ResourceQuota or an admission policy would.
   */
  public void forbidNext(Predicate<Request> which, int times) {
    for (int i = 0; i < times; i++) {
      forbidden.add(new OneShot(which, () -> {}));
    }
  }

  public int injectedForbidden() {
    return forbade.get();
  }

  /**
   * Watch events of watches whose path matches {@code path} are held back for {@code duration} from now, then
   * delivered in order: an informer cache that lags behind the apiserver.
   */
  public void holdWatchEvents(Predicate<String> path, Duration duration) {
    holds.add(new Hold(path, Instant.now().plus(duration)));
  }

  /** How many responses were dropped and 409s injected so far. */
  public int droppedResponses() {
    return dropped.get();
  }

  public int injectedConflicts() {
    return conflicted.get();
  }

  /** Whether every armed one-shot fault has fired. */
  public boolean allFired() {
    return dropResponses.stream().allMatch(OneShot::fired) && conflicts.stream().allMatch(OneShot::fired)
        && forbidden.stream().allMatch(OneShot::fired);
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body = exchange.getRequestBody().readAllBytes();
      URI uri = exchange.getRequestURI();
      Request request = new Request(exchange.getRequestMethod(), uri.getRawPath(), uri.getRawQuery(),
          new String(body, StandardCharsets.UTF_8));
      if ("websocket".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Upgrade"))) {
        // Watches only over plain HTTP, where events can be held; on 503 the client falls back to an HTTP watch.
        exchange.sendResponseHeaders(503, -1);
        return;
      }
      if (fire(forbidden, request)) {
        forbade.incrementAndGet();
        LOG.info("fault: 403 for {} {}", request.method(), request.path());
        byte[] status = ("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
            + "\"message\":\"pods is forbidden: exceeded quota (injected)\",\"reason\":\"Forbidden\",\"code\":403}")
            .getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(403, status.length);
        exchange.getResponseBody().write(status);
        return;
      }
      if (fire(conflicts, request)) {
        conflicted.incrementAndGet();
        LOG.info("fault: 409 for {} {}", request.method(), request.path());
        byte[] status = conflictStatus().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(409, status.length);
        exchange.getResponseBody().write(status);
        return;
      }
      boolean drop = fire(dropResponses, request);
      HttpResponse<InputStream> response = forward(exchange, request, body);
      if (drop) {
        response.body().readAllBytes();
        response.body().close();
        dropped.incrementAndGet();
        LOG.info("fault: dropped the response ({}) to {} {}", response.statusCode(), request.method(), request.path());
        return; // closing the exchange without a response breaks the client's connection
      }
      respond(exchange, request, response);
    } catch (IOException | RuntimeException e) {
      LOG.warn("proxying {} failed: {}", exchange.getRequestURI(), e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private HttpResponse<InputStream> forward(HttpExchange exchange, Request request, byte[] body)
      throws IOException, InterruptedException {
    String query = request.query() == null ? "" : "?" + request.query();
    HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(target + request.path() + query))
        .method(request.method(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofByteArray(body));
    exchange.getRequestHeaders().forEach((name, values) -> {
      if (!HOP_HEADERS.contains(name.toLowerCase(Locale.ROOT)) && !"authorization".equalsIgnoreCase(name)) {
        values.forEach(value -> builder.header(name, value));
      }
    });
    return upstream.send(builder.build(), HttpResponse.BodyHandlers.ofInputStream());
  }

  private void respond(HttpExchange exchange, Request request, HttpResponse<InputStream> response)
      throws IOException, InterruptedException {
    response.headers().map().forEach((name, values) -> {
      if (!name.startsWith(":") && !HOP_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
        exchange.getResponseHeaders().put(name, values);
      }
    });
    long length = response.headers().firstValueAsLong("content-length").orElse(-1);
    int status = response.statusCode();
    boolean noBody = status == 204 || status == 304 || "HEAD".equals(request.method()) || length == 0;
    exchange.sendResponseHeaders(status, noBody ? -1 : length > 0 ? length : 0);
    if (noBody) {
      return;
    }
    try (InputStream in = response.body(); OutputStream out = exchange.getResponseBody()) {
      out.flush(); // the headers now: a watch's client waits for them before any event
      byte[] buffer = new byte[16 * 1024];
      int n;
      while ((n = in.read(buffer)) >= 0) {
        if (request.isWatch()) {
          awaitRelease(request.path());
        }
        out.write(buffer, 0, n);
        out.flush();
      }
    }
  }

  /** Holds a watch's bytes while a hold on its path lasts: the fault itself, not a synchronisation. */
  private void awaitRelease(String path) throws InterruptedException {
    for (Hold hold : holds) {
      if (hold.path().test(path)) {
        long millis = Duration.between(Instant.now(), hold.until()).toMillis();
        if (millis > 0) {
          Thread.sleep(millis);
        }
      }
    }
  }

  private static boolean fire(List<OneShot> faults, Request request) {
    for (OneShot fault : faults) {
      if (fault.tryFire(request)) {
        return true;
      }
    }
    return false;
  }

  private static String conflictStatus() {
    return "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
        + "\"message\":\"Operation cannot be fulfilled: the object has been modified (injected)\","
        + "\"reason\":\"Conflict\",\"code\":409}";
  }

  private static final class OneShot {
    private final Predicate<Request> which;
    private final Runnable onFire;
    private boolean fired;

    OneShot(Predicate<Request> which, Runnable onFire) {
      this.which = which;
      this.onFire = onFire;
    }

    synchronized boolean tryFire(Request request) {
      if (fired || !which.test(request)) {
        return false;
      }
      fired = true;
      onFire.run();
      return true;
    }

    synchronized boolean fired() {
      return fired;
    }
  }

  private record Hold(Predicate<String> path, Instant until) {}
}
