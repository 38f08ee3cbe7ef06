package dev.tether.operator.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's HTTP port: {@code /metrics} (Prometheus text), {@code /startupz} and {@code /healthz} (200 once
 * the operator has started) and {@code /readyz} (200 while it is healthy). Listens on every address: the kubelet
 * probes the pod's IP and scrapers come from other pods, so any pod can reach it, and a client that stalls must
 * not keep the liveness probe from being answered (the kubelet would restart the operator, halting failover).
 */
public final class OperatorEndpoints implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OperatorEndpoints.class);
  /**
   * Probes and scrapers send a few requests at a time. A client that stalls holds one thread until it is cut
   * off: with fewer stalling at once the probes are answered at once; with this many, requests wait for the
   * cut (the limits below, checked once a second), and those that waited as long are cut off with them.
   */
  static final int THREADS = 4;
  /** Seconds from a request's first byte to the end of its headers (or body). */
  private static final String MAX_REQUEST_SECONDS = "sun.net.httpserver.maxReqTime";
  /** Seconds from there until the response has been written. */
  private static final String MAX_RESPONSE_SECONDS = "sun.net.httpserver.maxRspTime";

  static {
    // By default the JDK waits forever for the rest of a request and for a client to take its response, each
    // wait holding a thread. It reads these once, when the JVM's first HttpServer is created, so they are set
    // here, before this class creates the operator process's only one. In code rather than as JVM flags of the
    // image or the chart (JAVA_TOOL_OPTIONS, which users replace when they tune the JVM), so they hold wherever
    // this class runs, tests included; a -D given there still wins.
    // jdk.httpserver.maxConnections stays unlimited: one cap shared by every client would let a flood of
    // silent connections (which hold no thread) refuse the kubelet's. sun.net.httpserver.idleInterval
    // (30 s) only closes idle keep-alive connections, which hold no thread either.
    setIfAbsent(MAX_REQUEST_SECONDS, "2");
    setIfAbsent(MAX_RESPONSE_SECONDS, "3");
  }

  private final HttpServer server;
  private final ExecutorService threads;

  private OperatorEndpoints(HttpServer server, ExecutorService threads) {
    this.server = server;
    this.threads = threads;
  }

  /** Serves on {@code port} (0: any free port) until {@link #close}. */
  public static OperatorEndpoints start(int port, Supplier<String> metrics, BooleanSupplier started,
      BooleanSupplier ready) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
    server.createContext("/metrics", exchange -> respond(exchange, 200, metrics.get()));
    server.createContext("/startupz", exchange -> probe(exchange, started.getAsBoolean()));
    server.createContext("/healthz", exchange -> probe(exchange, started.getAsBoolean()));
    server.createContext("/readyz", exchange -> probe(exchange, ready.getAsBoolean()));
    // Without an executor the JDK reads every request on its one dispatcher thread, which also accepts
    // connections: a single client that stops mid-request line stops the whole port.
    ExecutorService threads = Executors.newFixedThreadPool(THREADS, daemonThreads());
    server.setExecutor(threads);
    server.start();
    LOG.info("serving /metrics, /startupz, /healthz and /readyz on :{} with {} threads; a request must arrive "
        + "within {} s and its response be taken within {} s", server.getAddress().getPort(), THREADS,
        System.getProperty(MAX_REQUEST_SECONDS), System.getProperty(MAX_RESPONSE_SECONDS));
    return new OperatorEndpoints(server, threads);
  }

  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }

  private static void setIfAbsent(String property, String value) {
    if (System.getProperty(property) == null) {
      System.setProperty(property, value);
    }
  }

  private static ThreadFactory daemonThreads() {
    AtomicInteger count = new AtomicInteger();
    return task -> {
      Thread thread = new Thread(task, "tether-http-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }

  private static void probe(HttpExchange exchange, boolean ok) throws IOException {
    respond(exchange, ok ? 200 : 503, ok ? "ok\n" : "not ready\n");
  }

  private static void respond(HttpExchange exchange, int code, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    exchange.sendResponseHeaders(code, bytes.length);
    try (var out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
