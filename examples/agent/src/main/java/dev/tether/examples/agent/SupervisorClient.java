package dev.tether.examples.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The session supervisor's HTTP API as the agent uses it (docs/checkpoint-api.md). Everything that means "try
 * again later" (503, connection refused while the supervisor starts) is retried here with capped backoff, so the
 * agent never moves past a checkpoint that was not acknowledged.
 */
final class SupervisorClient {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(2);

  /** A checkpoint as the supervisor hands it out at start. */
  record Restored(long sequence, byte[] body, boolean fallback, String reason) {}

  /** The answer to a checkpoint: committed with a sequence, or refused because a newer incarnation exists. */
  sealed interface Commit {
    record Committed(long sequence) implements Commit {}

    record Fenced(long currentEpoch) implements Commit {}
  }

  /** The supervisor refused in a way retrying cannot fix. */
  static final class UnexpectedReply extends RuntimeException {
    UnexpectedReply(String what, int status, String body) {
      super(what + ": HTTP " + status + " " + body);
    }
  }

  private final URI base;
  private final Consumer<String> log;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  SupervisorClient(URI base, Consumer<String> log) {
    this.base = base;
    this.log = log;
  }

  /**
   * Waits until the supervisor finished its restore check; returns the epoch that owns the session when this
   * incarnation is already fenced, empty when it may work.
   */
  Optional<Long> awaitReady() throws InterruptedException {
    Backoff backoff = new Backoff();
    while (true) {
      HttpResponse<String> response = sendOrNull(get("/v1/session"));
      if (response != null && response.statusCode() == 200) {
        JsonNode session = parse(response.body());
        if (session.path("fenced").asBoolean()) {
          return Optional.of(session.path("currentEpoch").asLong());
        }
        if (session.path("ready").asBoolean()) {
          return Optional.empty();
        }
      } else if (response != null && response.statusCode() != 503) {
        throw new UnexpectedReply("GET /v1/session", response.statusCode(), response.body());
      }
      backoff.pause();
    }
  }

  /** Whether the operator asked for a checkpoint now (a planned move); false when unsure. */
  boolean checkpointRequested() throws InterruptedException {
    HttpResponse<String> response = sendOrNull(get("/v1/session"));
    if (response == null || response.statusCode() != 200) {
      return false;
    }
    JsonNode requested = parse(response.body()).path("checkpointRequested");
    // Answered already: the move is under way, and saving again at every step would only add writes.
    return !requested.isMissingNode() && !requested.isNull() && !requested.path("answered").asBoolean();
  }

  /** The newest checkpoint that verifies, empty when there is none. */
  Optional<Restored> latest() throws InterruptedException {
    Backoff backoff = new Backoff();
    while (true) {
      HttpResponse<byte[]> response = sendBytesOrNull(get("/v1/checkpoints/latest"));
      if (response == null || response.statusCode() == 503) {
        backoff.pause();
        continue;
      }
      var headers = response.headers();
      switch (response.statusCode()) {
        case 200 -> {
          return Optional.of(new Restored(
              Long.parseLong(headers.firstValue("X-Tether-Sequence").orElseThrow()), response.body(),
              Boolean.parseBoolean(headers.firstValue("X-Tether-Restore-Fallback").orElse("false")),
              headers.firstValue("X-Tether-Restore-Reason").orElse("")));
        }
        case 404 -> {
          return Optional.empty();
        }
        default -> throw new UnexpectedReply("GET /v1/checkpoints/latest", response.statusCode(),
            new String(response.body(), java.nio.charset.StandardCharsets.UTF_8));
      }
    }
  }

  /** Saves the context; returns only once the supervisor committed it or refused it for good. */
  Commit commit(byte[] context, int step) throws InterruptedException {
    return commit(context, step, false);
  }

  /** {@code last}: the agent exits after this one (X-Tether-Final), so its supervisor may stop once it is saved. */
  Commit commit(byte[] context, int step, boolean last) throws InterruptedException {
    HttpRequest.Builder builder = HttpRequest.newBuilder(base.resolve("/v1/checkpoints"))
        .timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/json")
        .header("X-Tether-Meta-step", Integer.toString(step));
    if (last) {
      builder.header("X-Tether-Final", "true");
    }
    HttpRequest request = builder.POST(HttpRequest.BodyPublishers.ofByteArray(context)).build();
    Backoff backoff = new Backoff();
    while (true) {
      HttpResponse<String> response = sendOrNull(request);
      if (response == null) {
        backoff.pause();
        continue;
      }
      switch (response.statusCode()) {
        case 201 -> {
          return new Commit.Committed(parse(response.body()).path("sequence").asLong());
        }
        case 409 -> {
          return new Commit.Fenced(parse(response.body()).path("currentEpoch").asLong());
        }
        case 503 -> {
          log.accept("checkpoint at step " + step + " not saved yet (" + parse(response.body()).path("error").asText()
              + "); retrying");
          backoff.pause();
        }
        default -> throw new UnexpectedReply("POST /v1/checkpoints", response.statusCode(), response.body());
      }
    }
  }

  private HttpRequest get(String path) {
    return HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10)).GET().build();
  }

  /** Null when the supervisor cannot be reached (not listening yet, or restarting): the caller retries. */
  private HttpResponse<String> sendOrNull(HttpRequest request) throws InterruptedException {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      return null;
    }
  }

  private HttpResponse<byte[]> sendBytesOrNull(HttpRequest request) throws InterruptedException {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      return null;
    }
  }

  private static JsonNode parse(String body) {
    try {
      return JSON.readTree(body == null || body.isEmpty() ? "{}" : body);
    } catch (IOException e) {
      return JSON.createObjectNode();
    }
  }

  /** Capped exponential backoff between retries. */
  private static final class Backoff {
    private Duration next = FIRST_BACKOFF;

    void pause() throws InterruptedException {
      Thread.sleep(next.toMillis());
      next = next.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : next.multipliedBy(2);
    }
  }
}
