package dev.tether.supervisor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;

/** What an agent does against its supervisor: plain HTTP on loopback. */
final class AgentClient {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final String base;

  AgentClient(Supervisor supervisor) {
    this("http://127.0.0.1:" + supervisor.port());
  }

  AgentClient(String base) {
    this.base = base;
  }

  HttpResponse<String> post(byte[] blob, Map<String, String> metadata) {
    return post(blob, metadata, false);
  }

  /** {@code last}: marked as the agent's final checkpoint (X-Tether-Final). */
  HttpResponse<String> post(byte[] blob, Map<String, String> metadata, boolean last) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + "/v1/checkpoints"))
        .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofByteArray(blob));
    metadata.forEach((key, value) -> request.header("X-Tether-Meta-" + key, value));
    if (last) {
      request.header("X-Tether-Final", "true");
    }
    return send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** With metadata as query parameters, exactly as given (already %-encoded). */
  HttpResponse<String> postWithQuery(byte[] blob, String query) {
    return send(HttpRequest.newBuilder(URI.create(base + "/v1/checkpoints?" + query)).timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofByteArray(blob)).build(), HttpResponse.BodyHandlers.ofString());
  }

  int port() {
    return URI.create(base).getPort();
  }

  /** Sent chunked, without a Content-Length. */
  HttpResponse<String> postStreamed(byte[] blob) {
    return send(HttpRequest.newBuilder(URI.create(base + "/v1/checkpoints")).timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(blob))).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<byte[]> latest() {
    return send(get("/v1/checkpoints/latest"), HttpResponse.BodyHandlers.ofByteArray());
  }

  HttpResponse<String> get(String path, Duration timeout) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  JsonNode session() {
    return json(send(get("/v1/session"), HttpResponse.BodyHandlers.ofString()).body());
  }

  /** GET /metrics: the Prometheus text format. */
  String metrics() {
    HttpResponse<String> response = get("/metrics", Duration.ofSeconds(30));
    if (response.statusCode() != 200) {
      throw new IllegalStateException("/metrics replied " + response.statusCode());
    }
    return response.body();
  }

  /** The value of one series (name and labels exactly as Prometheus prints them) in a scrape. */
  static double sample(String scrape, String series) {
    return scrape.lines().filter(line -> line.startsWith(series + " ")).findFirst()
        .map(line -> Double.parseDouble(line.substring(series.length() + 1).trim()))
        .orElseThrow(() -> new AssertionError("no " + series + " in\n" + scrape));
  }

  int status(String path) {
    return send(get(path), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  static JsonNode json(String body) {
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String sha256(byte[] bytes) {
    try {
      return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private HttpRequest get(String path) {
    return HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30)).GET().build();
  }

  private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
    try {
      return http.send(request, handler);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
