package dev.tether.supervisor;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tether.store.ContextStore;
import dev.tether.store.Manifest;
import dev.tether.store.SessionKey;
import dev.tether.store.StoreConfig;
import dev.tether.testbed.EtcdServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile requests to the agent-facing API of a real supervisor on a real etcd, sent as raw bytes since most
 * are nothing an HTTP client would send. Each case expects one HTTP status (and error code) and leaves the
 * session as it was: etcd's last sequence and newest manifest unchanged, no new blob or temp file on the
 * volume, and the checkpoint committed before still restorable. One supervisor is live; another is fenced
 * (a newer epoch owns its session).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileRequestIT {
  private static final int MAX_BYTES = 4096;
  private static final byte[] SEED = "the context committed before".getBytes(UTF_8);
  private static final Duration ANSWER_BOUND = Duration.ofSeconds(5);

  enum Target { LIVE, FENCED }

  /** What a hostile client does; returns the raw response it got. */
  interface Exchange {
    String run(HostileRequestIT it, int port) throws Exception;
  }

  /** Who refuses: the JDK's HTTP server before any handler runs, or the supervisor's API. */
  enum Layer { HTTP_SERVER, SUPERVISOR }

  /** {@code error}: the supervisor's error code, or null where its answer has none. */
  record Case(String name, Target target, Layer layer, int status, String error, Exchange exchange) {
    @Override
    public String toString() {
      return name;
    }
  }

  private record Snapshot(long lastSequence, String latestDigest, List<String> files) {}

  private EtcdServer etcd;
  private ContextStore operator;
  private final SessionKey liveSession = SessionKey.of("team-h", "live");
  private final SessionKey fencedSession = SessionKey.of("team-h", "fenced");
  private Path liveVolume;
  private Path fencedVolume;
  private Supervisor live;
  private Supervisor fenced;
  private CompletableFuture<String> clampedPoll;
  private volatile Duration clampedPollTook;

  static Stream<Case> cases() {
    List<Case> cases = new ArrayList<>();
    // Bodies and their framing.
    cases.add(live("empty body", 400, "empty-checkpoint", post(List.of("Content-Length: 0"), "")));
    cases.add(live("empty chunked body", 400, "empty-checkpoint",
        post(List.of("Transfer-Encoding: chunked"), "0\r\n\r\n")));
    cases.add(live("neither Content-Length nor chunked", 411, "length-required", post(List.of(), "context")));
    cases.add(server("a transfer coding the server cannot read", 501,
        post(List.of("Transfer-Encoding: gzip"), "context")));
    cases.add(live("too large by Content-Length", 413, "too-large",
        post(List.of("Content-Length: " + (MAX_BYTES + 1)), "x".repeat(MAX_BYTES + 1))));
    cases.add(live("too large chunked", 413, "too-large", post(List.of("Transfer-Encoding: chunked"),
        chunk("x".repeat(3000)) + chunk("y".repeat(3000)) + "0\r\n\r\n")));
    cases.add(server("Content-Length not a number", 400, post(List.of("Content-Length: lots"), "context")));
    cases.add(server("Content-Length negative", 400, post(List.of("Content-Length: -7"), "context")));
    cases.add(live("Content-Length longer than the body", 400, "incomplete-body", (it, port) ->
        it.rawHalfClosed(port, request("POST /v1/checkpoints", List.of("Content-Length: 100"), "only 14 bytes"))));
    cases.add(live("Content-Length 0 before a body", 400, "empty-checkpoint",
        post(List.of("Content-Length: 0"), "GET /v1/session HTTP/1.1\r\n\r\n")));
    cases.add(live("X-Tether-Final garbage on an empty body", 400, "empty-checkpoint",
        post(List.of("X-Tether-Final: yes please", "Content-Length: 0"), "")));
    cases.add(server("a request line that is no HTTP", 400,
        (it, port) -> it.raw(port, "GARBAGE\r\n\r\n".getBytes(ISO_8859_1))));
    // Metadata.
    cases.add(live("metadata line break in a query value", 400, "bad-metadata",
        post("/v1/checkpoints?meta.note=a%0Ab", List.of("Content-Length: 7"), "context")));
    cases.add(live("header injection through a query value", 400, "bad-metadata",
        post("/v1/checkpoints?meta.note=x%0D%0ASet-Cookie:%20a=b", List.of("Content-Length: 7"), "context")));
    cases.add(live("a control character in a header value", 400, "bad-metadata",
        post(List.of("X-Tether-Meta-note: a\u0001b", "Content-Length: 7"), "context")));
    cases.add(live("DEL in a header value", 400, "bad-metadata",
        post(List.of("X-Tether-Meta-note: a\u007fb", "Content-Length: 7"), "context")));
    cases.add(live("a C1 control byte in a header value", 400, "bad-metadata",
        post(List.of("X-Tether-Meta-note: a\u0085b", "Content-Length: 7"), "context")));
    cases.add(live("invalid UTF-8 in a query value", 400, "bad-metadata",
        post("/v1/checkpoints?meta.note=%FF%FE", List.of("Content-Length: 7"), "context")));
    cases.add(live("a character no header can carry back", 400, "bad-metadata",
        post("/v1/checkpoints?meta.price=%E2%82%AC", List.of("Content-Length: 7"), "context")));
    cases.add(server("a bad %-escape in a query value", 400,
        post("/v1/checkpoints?meta.note=%zz", List.of("Content-Length: 7"), "context")));
    cases.add(server("a bad %-escape in a query key", 400,
        post("/v1/checkpoints?meta.%zz=1", List.of("Content-Length: 7"), "context")));
    cases.add(live("too many metadata entries", 400, "bad-metadata", post(Stream.concat(
        Stream.iterate(0, i -> i + 1).limit(Manifest.MAX_METADATA_ENTRIES + 1).map(i -> "X-Tether-Meta-k" + i + ": v"),
        Stream.of("Content-Length: 7")).toList(), "context")));
    cases.add(live("metadata too long", 400, "bad-metadata",
        post(List.of("X-Tether-Meta-note: " + "v".repeat(Manifest.MAX_METADATA_BYTES), "Content-Length: 7"),
            "context")));
    cases.add(live("a metadata key with a space", 400, "bad-metadata",
        post("/v1/checkpoints?meta.bad%20key=1", List.of("Content-Length: 7"), "context")));
    cases.add(live("an empty metadata key", 400, "bad-metadata",
        post(List.of("X-Tether-Meta-: v", "Content-Length: 7"), "context")));
    cases.add(live("a metadata key too long", 400, "bad-metadata",
        post(List.of("X-Tether-Meta-" + "k".repeat(64) + ": v", "Content-Length: 7"), "context")));
    cases.add(live("duplicate metadata headers differing in case", 400, "bad-metadata",
        post(List.of("X-Tether-Meta-Step: 1", "x-tether-meta-STEP: 2", "Content-Length: 7"), "context")));
    cases.add(live("a metadata key as header and as query parameter", 400, "bad-metadata",
        post("/v1/checkpoints?meta.step=2", List.of("X-Tether-Meta-step: 1", "Content-Length: 7"), "context")));
    cases.add(live("a metadata key twice in the query", 400, "bad-metadata",
        post("/v1/checkpoints?meta.step=1&meta.Step=2", List.of("Content-Length: 7"), "context")));
    // Paths, methods and parameters.
    cases.add(live("an unknown path", 404, "not-found", get("/v1/checkpoint")));
    cases.add(live("path traversal", 404, "not-found", get("/v1/checkpoints/../../etc/passwd")));
    cases.add(live("%-encoded path traversal", 404, "not-found", get("/v1/checkpoints/%2e%2e/%2e%2e/etc/passwd")));
    cases.add(live("a blob by its file name", 404, "not-found", get("/v1/checkpoints/1.blob")));
    cases.add(live("a very long URL", 404, "not-found", get("/v1/" + "a".repeat(60_000))));
    cases.add(live("DELETE the checkpoints", 405, "method-not-allowed",
        (it, port) -> it.raw(port, request("DELETE /v1/checkpoints", List.of(), ""))));
    cases.add(live("PUT the latest checkpoint", 405, "method-not-allowed",
        (it, port) -> it.raw(port, request("PUT /v1/checkpoints/latest", List.of("Content-Length: 7"), "context"))));
    cases.add(live("POST the session", 405, "method-not-allowed",
        post("/v1/session", List.of("Content-Length: 7"), "context")));
    cases.add(live("wait negative", 400, "bad-wait", get("/v1/checkpoint-request?wait=-1")));
    cases.add(live("wait the most negative number", 400, "bad-wait",
        get("/v1/checkpoint-request?wait=-9223372036854775808")));
    cases.add(live("wait a word", 400, "bad-wait", get("/v1/checkpoint-request?wait=abc")));
    cases.add(live("wait beyond a long", 400, "bad-wait", get("/v1/checkpoint-request?wait=99999999999999999999")));
    cases.add(live("wait 999999 is held for 30 s at most", 204, null, (it, port) -> it.clampedPollResult()));
    // Clients that hold a connection open.
    cases.add(live("slowloris headers do not block other clients", 200, null, (it, port) -> it.slowHeaders(port)));
    cases.add(live("a body that stalls does not block other clients", 400, "incomplete-body",
        (it, port) -> it.slowBody(port)));
    // A fenced incarnation.
    cases.add(fenced("POST after fencing", 409, "fenced", post(List.of("Content-Length: 7"), "context")));
    cases.add(fenced("chunked POST after fencing", 409, "fenced",
        post(List.of("Transfer-Encoding: chunked", "X-Tether-Final: true"), chunk("context") + "0\r\n\r\n")));
    cases.add(fenced("GET latest while fenced", 409, "fenced", get("/v1/checkpoints/latest")));
    cases.add(fenced("a long poll while fenced", 409, "fenced", get("/v1/checkpoint-request?wait=999999")));
    return cases.stream();
  }

  @BeforeAll
  void start() throws IOException {
    etcd = EtcdServer.start();
    operator = ContextStore.connect(StoreConfig.of(etcd.endpoint()));
    liveVolume = Files.createTempDirectory("tether-hostile-live-");
    fencedVolume = Files.createTempDirectory("tether-hostile-fenced-");
    live = seeded(liveSession, liveVolume);
    fenced = seeded(fencedSession, fencedVolume);
    operator.advanceEpoch(fencedSession, 2);
    assertThat(new AgentClient(fenced).post("late".getBytes(UTF_8), Map.of()).statusCode()).isEqualTo(409);
    await().atMost(Duration.ofSeconds(15)).until(fenced::fenced);
    clampedPoll = CompletableFuture.supplyAsync(() -> {
      long start = System.nanoTime();
      try {
        String answer = raw(live.port(), request("GET /v1/checkpoint-request?wait=999999", List.of(), ""), 45_000);
        clampedPollTook = Duration.ofNanos(System.nanoTime() - start);
        return answer;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }

  private Supervisor seeded(SessionKey session, Path volume) throws IOException {
    operator.advanceEpoch(session, 1);
    Supervisor supervisor = Supervisor.start(SupervisorConfig.of(session, 1, volume, StoreConfig.of(etcd.endpoint()))
        .withMaxCheckpointBytes(MAX_BYTES));
    AgentClient agent = new AgentClient(supervisor);
    await().atMost(Duration.ofSeconds(15)).until(() -> agent.status("/readyz") == 200);
    HttpResponse<String> seeded = agent.post(SEED, Map.of("step", "1"));
    assertThat(seeded.statusCode()).as(seeded.body()).isEqualTo(201);
    return supervisor;
  }

  @AfterAll
  void stop() {
    for (AutoCloseable c : new AutoCloseable[] {live, fenced, operator, etcd}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception ignored) {
        // the next one still closes
      }
    }
  }

  @Test
  void theSuiteIsAsLargeAsPromised() {
    assertThat(cases().count()).isGreaterThanOrEqualTo(30);
    assertThat(cases().map(Case::name).distinct().count()).isEqualTo(cases().count());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void isRefusedAndNothingChanges(Case c) throws Exception {
    SessionKey session = c.target() == Target.LIVE ? liveSession : fencedSession;
    Path volume = c.target() == Target.LIVE ? liveVolume : fencedVolume;
    Supervisor supervisor = c.target() == Target.LIVE ? live : fenced;
    Snapshot before = snapshot(session, volume);

    String response = c.exchange().run(this, supervisor.port());

    assertThat(response).as(response).startsWith("HTTP/1.1 " + c.status() + " ");
    if (c.layer() == Layer.HTTP_SERVER) {
      assertThat(response).as("the JDK's own refusal, before any handler").contains("Content-Type: text/html");
    } else if (c.error() != null) {
      assertThat(response).contains("\"error\":\"" + c.error() + "\"");
    }
    assertThat(snapshot(session, volume)).as("etcd and the volume are as they were").isEqualTo(before);
    assertRestorable(c.target(), session, volume, supervisor);
  }

  private Snapshot snapshot(SessionKey session, Path volume) throws IOException {
    try (Stream<Path> files = Files.list(volume.resolve("checkpoints"))) {
      return new Snapshot(operator.lastSequence(session), operator.latest(session).map(Manifest::digest)
          .orElse(null), files.map(p -> p.getFileName() + ":" + p.toFile().length()).sorted()
          .collect(Collectors.toList()));
    }
  }

  private void assertRestorable(Target target, SessionKey session, Path volume, Supervisor supervisor)
      throws IOException {
    Manifest latest = operator.latest(session).orElseThrow();
    assertThat(latest.sequence()).isEqualTo(1);
    assertThat(latest.digest()).isEqualTo(AgentClient.sha256(SEED));
    assertThat(Files.readAllBytes(volume.resolve("checkpoints/1.blob"))).isEqualTo(SEED);
    if (target == Target.LIVE) {
      AgentClient agent = new AgentClient(supervisor);
      HttpResponse<byte[]> restored = agent.latest();
      assertThat(restored.statusCode()).isEqualTo(200);
      assertThat(restored.body()).isEqualTo(SEED);
      assertThat(restored.headers().firstValue("X-Tether-Meta-step")).contains("1");
      assertThat(agent.status("/readyz")).isEqualTo(200);
    }
  }

  // The hostile clients.

  private static Case live(String name, int status, String error, Exchange exchange) {
    return new Case(name, Target.LIVE, Layer.SUPERVISOR, status, error, exchange);
  }

  private static Case server(String name, int status, Exchange exchange) {
    return new Case(name, Target.LIVE, Layer.HTTP_SERVER, status, null, exchange);
  }

  private static Case fenced(String name, int status, String error, Exchange exchange) {
    return new Case(name, Target.FENCED, Layer.SUPERVISOR, status, error, exchange);
  }

  private static Exchange post(List<String> headers, String body) {
    return post("/v1/checkpoints", headers, body);
  }

  private static Exchange post(String target, List<String> headers, String body) {
    return (it, port) -> it.raw(port, request("POST " + target, headers, body));
  }

  private static Exchange get(String target) {
    return (it, port) -> it.raw(port, request("GET " + target, List.of(), ""));
  }

  private static String chunk(String data) {
    return Integer.toHexString(data.length()) + "\r\n" + data + "\r\n";
  }

  /** Characters up to U+00FF are sent as the single bytes they stand for in ISO-8859-1. */
  private static byte[] request(String methodAndTarget, List<String> headers, String body) {
    StringBuilder text = new StringBuilder(methodAndTarget).append(" HTTP/1.1\r\nHost: localhost\r\n");
    headers.forEach(h -> text.append(h).append("\r\n"));
    return text.append("Connection: close\r\n\r\n").append(body).toString().getBytes(ISO_8859_1);
  }

  private String raw(int port, byte[] request) throws IOException {
    return raw(port, request, 10_000);
  }

  private String raw(int port, byte[] request, int timeoutMillis) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(timeoutMillis);
      socket.getOutputStream().write(request);
      socket.getOutputStream().flush();
      return readAll(socket);
    }
  }

  /** Sends the request, then ends the connection's sending side: the body stops short of its length. */
  private String rawHalfClosed(int port, byte[] request) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(request);
      socket.shutdownOutput();
      return readAll(socket);
    }
  }

  private static String readAll(Socket socket) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      socket.getInputStream().transferTo(out);
    } catch (java.net.SocketException e) {
      // reset after the server answered and closed: what it sent is kept
    }
    return out.toString(ISO_8859_1);
  }

  /** A normal request on another connection, answered within the bound while a hostile client holds one. */
  private void assertOthersAreServed(int port) throws IOException {
    long start = System.nanoTime();
    String answer = raw(port, request("GET /v1/session", List.of(), ""), (int) ANSWER_BOUND.toMillis());
    assertThat(answer).startsWith("HTTP/1.1 200 ");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(ANSWER_BOUND);
  }

  /** Headers that never end: returns the answer another client gets meanwhile. */
  private String slowHeaders(int port) throws IOException {
    try (Socket slow = new Socket("127.0.0.1", port)) {
      slow.getOutputStream().write("POST /v1/checkpoints HTTP/1.1\r\nHost: localhost\r\nX-Tether-Meta-a: "
          .getBytes(ISO_8859_1));
      slow.getOutputStream().flush();
      long start = System.nanoTime();
      String answer = raw(port, request("GET /v1/session", List.of(), ""), (int) ANSWER_BOUND.toMillis());
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(ANSWER_BOUND);
      slow.shutdownOutput();
      slow.setSoTimeout(10_000);
      assertThat(readAll(slow)).as("the cut-off request gets no answer").doesNotStartWith("HTTP/1.1 2");
      return answer;
    }
  }

  /** A body that stops half-way and stays open: its handler waits, the others are served, nothing is kept. */
  private String slowBody(int port) throws IOException {
    try (Socket slow = new Socket("127.0.0.1", port)) {
      slow.getOutputStream().write(request("POST /v1/checkpoints", List.of("Content-Length: 1000"), "partial"));
      slow.getOutputStream().flush();
      // The handler is staging the blob: its temp file is on the volume.
      await().atMost(Duration.ofSeconds(10)).until(() -> {
        try (Stream<Path> files = Files.list(liveVolume.resolve("checkpoints"))) {
          return files.anyMatch(p -> p.getFileName().toString().endsWith(".tmp"));
        }
      });
      assertOthersAreServed(port);
      slow.shutdownOutput();
      slow.setSoTimeout(10_000);
      return readAll(slow);
    }
  }

  /** The long poll started before the cases; the server holds it for its 30 s limit, not for 999999 s. */
  private String clampedPollResult() throws Exception {
    String answer = clampedPoll.get(45, TimeUnit.SECONDS);
    assertThat(clampedPollTook).isGreaterThanOrEqualTo(SupervisorApi.MAX_LONG_POLL.minusSeconds(1))
        .isLessThan(SupervisorApi.MAX_LONG_POLL.plusSeconds(15));
    return answer;
  }
}
