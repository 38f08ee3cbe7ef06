package dev.tether.operator.eviction;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.KeyCertOptions;
import java.io.IOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.KeyManagerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A validating admission webhook on {@code pods/eviction} that only watches: it always allows (the session's
 * PodDisruptionBudget still refuses the eviction), and hands the attempt to {@link EvictionRecorder} after the
 * answer, so the apiserver never waits for it. The chart registers it with {@code failurePolicy: Ignore}: an
 * operator that is away never blocks an eviction.
 *
 * <p>Served by Vert.x (which jetcd brings), not the JDK's HttpsServer: that one looks up the client's host name
 * before the TLS handshake, and in a pod whose DNS does not answer reverse lookups the apiserver's call times out.
 */
public final class EvictionWebhook implements AutoCloseable {
  public static final String PATH = "/validate-pods-eviction";
  private static final Logger LOG = LoggerFactory.getLogger(EvictionWebhook.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_REVIEW_BYTES = 1 << 20;

  private final Vertx vertx;
  private final HttpServer server;
  private final ExecutorService recorder;

  private EvictionWebhook(Vertx vertx, HttpServer server, ExecutorService recorder) {
    this.vertx = vertx;
    this.server = server;
    this.recorder = recorder;
  }

  /** Serves on {@code port} (0: any free port) until {@link #close}. */
  public static EvictionWebhook start(int port, KeyManagerFactory keys, EvictionRecorder evictions) throws IOException {
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
    ExecutorService recorder = Executors.newSingleThreadExecutor(r -> {
      Thread thread = new Thread(r, "tether-webhook-recorder");
      thread.setDaemon(true);
      return thread;
    });
    HttpServerOptions options = new HttpServerOptions().setPort(port).setSsl(true)
        .setKeyCertOptions(KeyCertOptions.wrap(keys))
        .setSslHandshakeTimeout(5).setSslHandshakeTimeoutUnit(TimeUnit.SECONDS)
        .setIdleTimeout(30).setIdleTimeoutUnit(TimeUnit.SECONDS);
    try {
      HttpServer server = vertx.createHttpServer(options)
          .requestHandler(request -> review(request, evictions, recorder))
          .listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      LOG.info("eviction webhook listening on :{}{}", server.actualPort(), PATH);
      return new EvictionWebhook(vertx, server, recorder);
    } catch (ExecutionException | TimeoutException e) {
      vertx.close();
      throw new IOException("the eviction webhook cannot listen on port " + port + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      vertx.close();
      throw new IOException("interrupted while starting the eviction webhook", e);
    }
  }

  public int port() {
    return server.actualPort();
  }

  private static void review(HttpServerRequest request, EvictionRecorder evictions, ExecutorService recorder) {
    if (!PATH.equals(request.path())) {
      request.response().setStatusCode(404).end();
      return;
    }
    if (request.method() != HttpMethod.POST) {
      request.response().setStatusCode(405).end();
      return;
    }
    Buffer body = Buffer.buffer();
    request.handler(chunk -> {
      if (body.length() + chunk.length() > MAX_REVIEW_BYTES) {
        request.response().setStatusCode(413).end();
        request.connection().close();
      } else {
        body.appendBuffer(chunk);
      }
    });
    request.endHandler(done -> {
      if (request.response().ended()) {
        return;
      }
      JsonNode review;
      try {
        review = JSON.readTree(body.getBytes());
      } catch (IOException e) {
        request.response().setStatusCode(400).end();
        return;
      }
      JsonNode req = review == null ? null : review.path("request");
      if (req == null || !req.hasNonNull("uid")) {
        request.response().setStatusCode(400).end();
        return;
      }
      ObjectNode answer = JSON.createObjectNode();
      answer.put("apiVersion", review.path("apiVersion").asText("admission.k8s.io/v1"));
      answer.put("kind", "AdmissionReview");
      answer.putObject("response").put("uid", req.path("uid").asText()).put("allowed", true);
      byte[] reply;
      try {
        reply = JSON.writeValueAsBytes(answer);
      } catch (IOException e) {
        request.response().setStatusCode(500).end();
        return;
      }
      request.response().putHeader("Content-Type", "application/json").end(Buffer.buffer(reply));
      if ("eviction".equals(req.path("subResource").asText()) && !req.path("dryRun").asBoolean(false)) {
        String namespace = req.path("namespace").asText();
        String pod = req.path("name").asText();
        String user = req.path("userInfo").path("username").asText("someone");
        LOG.info("eviction of pod {}/{} requested by {}", namespace, pod, user);
        recorder.execute(() -> evictions.attempted(namespace, pod, user));
      }
    });
  }

  @Override
  public void close() {
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      LOG.warn("the eviction webhook did not stop cleanly: {}", e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    recorder.shutdownNow();
  }
}
