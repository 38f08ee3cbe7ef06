package dev.tether.operator.eviction;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A validating admission webhook on {@code pods/eviction} that only watches: it always allows (the session's
 * PodDisruptionBudget still refuses the eviction), and hands the attempt to {@link EvictionRecorder} after the
 * answer, so the apiserver never waits for it. The chart registers it with {@code failurePolicy: Ignore}: an
 * operator that is away never blocks an eviction.
 */
public final class EvictionWebhook implements AutoCloseable {
  public static final String PATH = "/validate-pods-eviction";
  private static final Logger LOG = LoggerFactory.getLogger(EvictionWebhook.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_REVIEW_BYTES = 1 << 20;

  private final HttpsServer server;
  private final ExecutorService threads;
  private final ExecutorService recorder;

  private EvictionWebhook(HttpsServer server, ExecutorService threads, ExecutorService recorder) {
    this.server = server;
    this.threads = threads;
    this.recorder = recorder;
  }

  /** Serves on {@code port} (0: any free port) until {@link #close}. */
  public static EvictionWebhook start(int port, SSLContext tls, EvictionRecorder evictions) throws IOException {
    HttpsServer server = HttpsServer.create(new InetSocketAddress(port), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(tls));
    AtomicInteger n = new AtomicInteger();
    ExecutorService threads = Executors.newFixedThreadPool(2, r -> daemon(r, "tether-webhook-" + n.incrementAndGet()));
    ExecutorService recorder = Executors.newSingleThreadExecutor(r -> daemon(r, "tether-webhook-recorder"));
    server.setExecutor(threads);
    server.createContext(PATH, exchange -> review(exchange, evictions, recorder));
    server.start();
    LOG.info("eviction webhook listening on :{}{}", server.getAddress().getPort(), PATH);
    return new EvictionWebhook(server, threads, recorder);
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private static void review(HttpExchange exchange, EvictionRecorder evictions, ExecutorService recorder)
      throws IOException {
    try (exchange) {
      if (!"POST".equals(exchange.getRequestMethod())) {
        exchange.sendResponseHeaders(405, -1);
        return;
      }
      JsonNode review;
      try (InputStream in = exchange.getRequestBody()) {
        byte[] body = in.readNBytes(MAX_REVIEW_BYTES + 1);
        if (body.length > MAX_REVIEW_BYTES) {
          exchange.sendResponseHeaders(413, -1);
          return;
        }
        review = JSON.readTree(body);
      } catch (IOException e) {
        exchange.sendResponseHeaders(400, -1);
        return;
      }
      JsonNode request = review == null ? null : review.path("request");
      if (request == null || !request.hasNonNull("uid")) {
        exchange.sendResponseHeaders(400, -1);
        return;
      }
      ObjectNode answer = JSON.createObjectNode();
      answer.put("apiVersion", review.path("apiVersion").asText("admission.k8s.io/v1"));
      answer.put("kind", "AdmissionReview");
      answer.putObject("response").put("uid", request.path("uid").asText()).put("allowed", true);
      byte[] reply = JSON.writeValueAsBytes(answer);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, reply.length);
      exchange.getResponseBody().write(reply);
      if ("eviction".equals(request.path("subResource").asText()) && !request.path("dryRun").asBoolean(false)) {
        String namespace = request.path("namespace").asText();
        String pod = request.path("name").asText();
        String user = request.path("userInfo").path("username").asText("someone");
        LOG.info("eviction of pod {}/{} requested by {}", namespace, pod, user);
        recorder.execute(() -> evictions.attempted(namespace, pod, user));
      }
    }
  }

  private static Thread daemon(Runnable r, String name) {
    Thread thread = new Thread(r, name);
    thread.setDaemon(true);
    return thread;
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
    recorder.shutdownNow();
  }
}
