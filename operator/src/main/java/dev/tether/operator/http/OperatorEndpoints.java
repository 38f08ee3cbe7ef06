package dev.tether.operator.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The operator's HTTP port: {@code /metrics} (Prometheus text), {@code /startupz} and {@code /healthz} (200 once
 * the operator has started) and {@code /readyz} (200 while it is healthy). Listens on every address: the kubelet
 * probes the pod's IP and scrapers come from other pods.
 */
public final class OperatorEndpoints implements AutoCloseable {
  private final HttpServer server;

  private OperatorEndpoints(HttpServer server) {
    this.server = server;
  }

  /** Serves on {@code port} (0: any free port) until {@link #close}. */
  public static OperatorEndpoints start(int port, Supplier<String> metrics, BooleanSupplier started,
      BooleanSupplier ready) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
    server.createContext("/metrics", exchange -> respond(exchange, 200, metrics.get()));
    server.createContext("/startupz", exchange -> probe(exchange, started.getAsBoolean()));
    server.createContext("/healthz", exchange -> probe(exchange, started.getAsBoolean()));
    server.createContext("/readyz", exchange -> probe(exchange, ready.getAsBoolean()));
    server.start();
    return new OperatorEndpoints(server);
  }

  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
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
