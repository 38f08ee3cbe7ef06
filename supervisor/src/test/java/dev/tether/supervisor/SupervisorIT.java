package dev.tether.supervisor;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.store.CheckpointRequest;
import dev.tether.store.ContextStore;
import dev.tether.store.Manifest;
import dev.tether.store.RestoreRecord;
import dev.tether.store.SessionKey;
import dev.tether.store.StoreConfig;
import dev.tether.testbed.EtcdServer;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SupervisorIT {
  private static final AtomicInteger NAMES = new AtomicInteger();
  private static EtcdServer etcd;
  private static ContextStore operator;
  private final List<Supervisor> started = new ArrayList<>();
  private final SessionKey session = SessionKey.of("team-a", "agent-" + NAMES.incrementAndGet());

  @TempDir
  Path volume;

  @BeforeAll
  static void startEtcd() {
    etcd = EtcdServer.start();
    operator = ContextStore.connect(StoreConfig.of(etcd.endpoint()));
  }

  @AfterAll
  static void stopEtcd() {
    operator.close();
    etcd.close();
  }

  @AfterEach
  void stopSupervisors() {
    started.forEach(Supervisor::close);
  }

  private SupervisorConfig config(long epoch) {
    return SupervisorConfig.of(session, epoch, volume, StoreConfig.of(etcd.endpoint()));
  }

  /** What the operator does for a new incarnation: advance the epoch, then start its pod. */
  private Supervisor incarnation(SupervisorConfig config) throws IOException {
    operator.advanceEpoch(session, config.epoch());
    Supervisor supervisor = Supervisor.start(config);
    started.add(supervisor);
    return supervisor;
  }

  private static AgentClient readyAgent(Supervisor supervisor) {
    AgentClient agent = new AgentClient(supervisor);
    await().atMost(Duration.ofSeconds(15)).until(() -> agent.status("/readyz") == 200);
    return agent;
  }

  private static JsonNode committed(HttpResponse<String> response) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    return AgentClient.json(response.body());
  }

  @Test
  void checkpointAndRestoreRoundTrip() throws IOException {
    AgentClient agent = readyAgent(incarnation(config(1)));
    assertThat(agent.status("/healthz")).isEqualTo(200);
    assertThat(agent.latest().statusCode()).isEqualTo(404);
    assertThat(operator.restore(session, 1)).get().extracting(RestoreRecord::reason).isEqualTo("NoCheckpoint");

    byte[] first = "first context".getBytes(UTF_8);
    byte[] second = new byte[300_000];
    new java.util.Random(7).nextBytes(second);
    JsonNode one = committed(agent.post(first, Map.of("step", "1")));
    JsonNode two = committed(agent.post(second, Map.of("step", "2", "Tool", "search")));
    assertThat(one.path("sequence").asLong()).isEqualTo(1);
    assertThat(two.path("sequence").asLong()).isEqualTo(2);
    assertThat(two.path("epoch").asLong()).isEqualTo(1);
    assertThat(two.path("digest").asText()).isEqualTo(AgentClient.sha256(second));
    assertThat(two.path("size").asLong()).isEqualTo(second.length);

    HttpResponse<byte[]> latest = agent.latest();
    assertThat(latest.statusCode()).isEqualTo(200);
    assertThat(latest.body()).isEqualTo(second);
    assertThat(latest.headers().firstValue("X-Tether-Sequence")).contains("2");
    assertThat(latest.headers().firstValue("X-Tether-Digest")).contains(AgentClient.sha256(second));
    assertThat(latest.headers().firstValue("X-Tether-Epoch")).contains("1");
    assertThat(latest.headers().firstValue("X-Tether-Restore-Fallback")).contains("false");
    assertThat(latest.headers().firstValue("X-Tether-Restore-Reason")).contains("Latest");
    assertThat(latest.headers().firstValue("X-Tether-Meta-tool")).contains("search");

    Manifest manifest = operator.latest(session).orElseThrow();
    assertThat(manifest.metadata()).containsEntry("step", "2").containsEntry("tool", "search");
    assertThat(Files.readAllBytes(volume.resolve("checkpoints/2.blob"))).isEqualTo(second);

    // The next incarnation on the same volume restores the same bytes and records it.
    started.get(0).close();
    started.clear();
    AgentClient next = readyAgent(incarnation(config(2)));
    assertThat(next.latest().body()).isEqualTo(second);
    RestoreRecord restored = operator.restore(session, 2).orElseThrow();
    assertThat(restored.sequence()).isEqualTo(2);
    assertThat(restored.fallback()).isFalse();
    assertThat(next.session().path("restoredFrom").path("sequence").asLong()).isEqualTo(2);
    assertThat(committed(next.post(first, Map.of())).path("sequence").asLong()).isEqualTo(3);
  }

  @Test
  void aFencedIncarnationIsRefusedForGood() throws IOException {
    Supervisor stale = incarnation(config(1));
    AgentClient agent = readyAgent(stale);
    byte[] kept = "committed by epoch 1".getBytes(UTF_8);
    committed(agent.post(kept, Map.of()));

    operator.advanceEpoch(session, 2);
    HttpResponse<String> refused = agent.post("late write".getBytes(UTF_8), Map.of());
    assertThat(refused.statusCode()).isEqualTo(409);
    assertThat(AgentClient.json(refused.body()).path("error").asText()).isEqualTo("fenced");
    assertThat(AgentClient.json(refused.body()).path("currentEpoch").asLong()).isEqualTo(2);
    String scrape = agent.metrics();
    assertThat(AgentClient.sample(scrape, "tether_supervisor_commits_total{result=\"committed\"}")).isEqualTo(1);
    assertThat(AgentClient.sample(scrape, "tether_supervisor_commits_total{result=\"fenced\"}")).isEqualTo(1);
    assertThat(AgentClient.sample(scrape, "tether_supervisor_commits_total{result=\"unavailable\"}")).isZero();
    assertThat(AgentClient.sample(scrape, "tether_supervisor_fencing_refusals_total")).isEqualTo(1);
    assertThat(AgentClient.sample(scrape, "tether_supervisor_commit_seconds_count")).isEqualTo(1);
    assertThat(AgentClient.sample(scrape, "tether_supervisor_commit_seconds_bucket{le=\"1.0\"}")).isEqualTo(1);
    assertThat(AgentClient.sample(scrape, "tether_supervisor_checkpoint_bytes_sum")).isEqualTo(kept.length);
    assertThat(AgentClient.sample(scrape, "tether_supervisor_last_checkpoint_timestamp_seconds"))
        .isEqualTo(operator.latest(session).orElseThrow().createdAt().toEpochMilli() / 1000.0);
    assertThat(agent.post("again".getBytes(UTF_8), Map.of()).statusCode()).isEqualTo(409);
    assertThat(stale.metrics().get("tether.supervisor.fencing.refusals").counter().count())
        .as("each supervisor counts in its own registry").isEqualTo(2);
    JsonNode state = agent.session();
    assertThat(state.path("fenced").asBoolean()).isTrue();
    assertThat(state.path("epoch").asLong()).isEqualTo(1);
    assertThat(agent.status("/readyz")).isEqualTo(503);

    assertThat(operator.manifests(session)).extracting(Manifest::sequence).containsExactly(1L);
    AgentClient current = readyAgent(incarnation(config(2)));
    assertThat(current.latest().body()).isEqualTo(kept);
    byte[] newer = "epoch 2 work".getBytes(UTF_8);
    assertThat(committed(current.post(newer, Map.of())).path("sequence").asLong()).isEqualTo(2);
    assertThat(AgentClient.sample(current.metrics(), "tether_supervisor_fencing_refusals_total")).isZero();
    assertThat(agent.post("still stale".getBytes(UTF_8), Map.of()).statusCode()).isEqualTo(409);
    assertThat(current.latest().body()).as("the stale incarnation replaced nothing").isEqualTo(newer);
    HttpResponse<byte[]> zombieRead = agent.latest();
    assertThat(zombieRead.statusCode()).as("a fenced agent cannot load its successor's context").isEqualTo(409);
    assertThat(AgentClient.json(new String(zombieRead.body(), UTF_8)).path("error").asText()).isEqualTo("fenced");
  }

  /**
   * A checkpoint whose body stalls half-way holds up only itself: another one is committed meanwhile, and the
   * stalled one, once its body arrives, is committed after it under the next sequence.
   */
  @Test
  void aCheckpointWhoseBodyStallsDoesNotHoldUpAnother() throws Exception {
    AgentClient agent = readyAgent(incarnation(config(1)));
    byte[] slowBody = "the slow one, in two parts".getBytes(UTF_8);
    try (java.net.Socket slow = new java.net.Socket("127.0.0.1", agent.port())) {
      var out = slow.getOutputStream();
      out.write(("POST /v1/checkpoints HTTP/1.1\r\nHost: localhost\r\nContent-Length: " + slowBody.length
          + "\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
      out.write(slowBody, 0, 8);
      out.flush();
      await().atMost(Duration.ofSeconds(10)).until(() -> {
        try (var files = Files.list(volume.resolve("checkpoints"))) {
          return files.anyMatch(p -> p.getFileName().toString().endsWith(".tmp"));
        }
      });

      long start = System.nanoTime();
      HttpResponse<String> quick = agent.post("the quick one".getBytes(UTF_8), Map.of());
      assertThat(quick.statusCode()).isEqualTo(201);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).as("not held up by the stalled body")
          .isLessThan(Duration.ofSeconds(5));
      assertThat(AgentClient.json(quick.body()).path("sequence").asLong()).isEqualTo(1);

      out.write(slowBody, 8, slowBody.length - 8);
      out.flush();
      slow.setSoTimeout(10_000);
      String answer = new String(slow.getInputStream().readNBytes(12), java.nio.charset.StandardCharsets.ISO_8859_1);
      assertThat(answer).isEqualTo("HTTP/1.1 201");
    }
    assertThat(operator.manifests(session)).extracting(Manifest::sequence).containsExactlyInAnyOrder(1L, 2L);
    assertThat(agent.latest().body()).isEqualTo(slowBody);
  }

  /**
   * The agent can write the volume: a blob replaced by a link is never followed, even to a file with the right
   * bytes (it could as well point at a file of the supervisor's), and the restore falls back as for bit rot.
   */
  @Test
  void aBlobReplacedByALinkIsNotFollowed() throws IOException {
    byte[] good = twoCheckpointsOfAStoppedIncarnation();
    Path blob = volume.resolve("checkpoints/2.blob");
    Path elsewhere = Files.move(blob, volume.resolve("elsewhere"));
    Files.createSymbolicLink(blob, elsewhere);

    AgentClient next = readyAgent(incarnation(config(2)));
    HttpResponse<byte[]> latest = next.latest();
    assertThat(latest.statusCode()).isEqualTo(200);
    assertThat(latest.body()).isEqualTo(good);
    assertThat(latest.headers().firstValue("X-Tether-Restore-Reason"))
        .contains("BlobNotARegularFile: sequence 2 failed verification, restored 1");
    assertThat(operator.restore(session, 2).orElseThrow().fallback()).isTrue();
  }

  /**
   * Incarnation 1 commits "good" (step 1), then "newest" (step 2), and stops: the volume holds 1.blob and 2.blob
   * for the next incarnation. Returns the older checkpoint's bytes.
   */
  private byte[] twoCheckpointsOfAStoppedIncarnation() throws IOException {
    AgentClient first = readyAgent(incarnation(config(1)));
    byte[] good = "good".getBytes(UTF_8);
    committed(first.post(good, Map.of("step", "1")));
    committed(first.post("newest".getBytes(UTF_8), Map.of("step", "2")));
    started.get(0).close();
    started.clear();
    return good;
  }

  @Test
  void aCorruptedNewestBlobFallsBackToThePreviousOne() throws IOException {
    byte[] good = twoCheckpointsOfAStoppedIncarnation();
    Files.write(volume.resolve("checkpoints/2.blob"), "bit rot".getBytes(UTF_8));

    AgentClient next = readyAgent(incarnation(config(2)));
    HttpResponse<byte[]> latest = next.latest();
    assertThat(latest.statusCode()).isEqualTo(200);
    assertThat(latest.body()).isEqualTo(good);
    assertThat(latest.headers().firstValue("X-Tether-Sequence")).contains("1");
    assertThat(latest.headers().firstValue("X-Tether-Restore-Fallback")).contains("true");
    assertThat(latest.headers().firstValue("X-Tether-Restore-Reason"))
        .contains("DigestMismatch: sequence 2 failed verification, restored 1");
    assertThat(latest.headers().firstValue("X-Tether-Meta-step")).contains("1");
    RestoreRecord record = operator.restore(session, 2).orElseThrow();
    assertThat(record.fallback()).isTrue();
    assertThat(record.sequence()).isEqualTo(1);
    assertThat(record.reason()).startsWith("DigestMismatch");
    assertThat(next.session().path("restoredFrom").path("fallback").asBoolean()).isTrue();
    String scrape = next.metrics();
    assertThat(AgentClient.sample(scrape, "tether_supervisor_restores_total{fallback=\"true\"}")).isEqualTo(1);
    assertThat(AgentClient.sample(scrape, "tether_supervisor_restores_total{fallback=\"false\"}")).isZero();
    assertThat(committed(next.post(good, Map.of())).path("sequence").asLong())
        .as("sequences continue after the broken one").isEqualTo(3);
  }

  @Test
  void requireLatestRefusesToRestoreAFallback() throws IOException {
    AgentClient first = readyAgent(incarnation(config(1)));
    committed(first.post("good".getBytes(UTF_8), Map.of()));
    committed(first.post("newest".getBytes(UTF_8), Map.of()));
    started.get(0).close();
    started.clear();
    Files.delete(volume.resolve("checkpoints/2.blob"));

    AgentClient strict = new AgentClient(incarnation(config(2).withRestorePolicy(RestorePolicy.RequireLatest)));
    await().atMost(Duration.ofSeconds(15))
        .until(() -> operator.restore(session, 2).isPresent() && !strict.session().path("restoredFrom").isNull());
    assertThat(operator.restore(session, 2).orElseThrow().reason())
        .isEqualTo("RequireLatest: BlobMissing: sequence 2 failed verification; refusing to restore");
    assertThat(strict.status("/readyz")).isEqualTo(503);
    assertThat(strict.session().path("ready").asBoolean()).isFalse();
    HttpResponse<byte[]> latest = strict.latest();
    assertThat(latest.statusCode()).isEqualTo(409);
    assertThat(new String(latest.body(), UTF_8)).contains("RequireLatest");
    assertThat(strict.post("x".getBytes(UTF_8), Map.of()).statusCode()).isEqualTo(503);
  }

  @Test
  void aRollbackCommitsTheChosenCheckpointAgainAsTheNewestUnderTheNewEpoch() throws IOException {
    AgentClient first = readyAgent(incarnation(config(1)));
    byte[] chosen = "the context worth going back to".getBytes(UTF_8);
    committed(first.post(chosen, Map.of("step", "1")));
    committed(first.post("a wrong turn".getBytes(UTF_8), Map.of("step", "2")));
    committed(first.post("further down the wrong turn".getBytes(UTF_8), Map.of("step", "3")));
    started.get(0).close();
    started.clear();

    Supervisor rolledBack = incarnation(config(2).withRollbackTo(1L));
    AgentClient agent = readyAgent(rolledBack);
    HttpResponse<byte[]> latest = agent.latest();
    assertThat(latest.statusCode()).isEqualTo(200);
    assertThat(latest.body()).isEqualTo(chosen);
    assertThat(latest.headers().firstValue("X-Tether-Sequence")).contains("4");
    assertThat(latest.headers().firstValue("X-Tether-Meta-step")).contains("1");
    assertThat(latest.headers().firstValue("X-Tether-Meta-tether.rollback-of")).contains("1");
    Manifest copy = operator.latest(session).orElseThrow();
    assertThat(copy.sequence()).isEqualTo(4);
    assertThat(copy.epoch()).as("committed under the new incarnation's fence").isEqualTo(2);
    assertThat(copy.digest()).isEqualTo(AgentClient.sha256(chosen));
    assertThat(operator.manifests(session)).extracting(Manifest::sequence)
        .as("the checkpoints after the chosen one stay in the history").containsExactly(4L, 3L, 2L, 1L);
    RestoreRecord record = operator.restore(session, 2).orElseThrow();
    assertThat(record.sequence()).isEqualTo(4);
    assertThat(record.reason()).isEqualTo("Rollback: restored checkpoint #1, committed again as #4");
    assertThat(committed(agent.post("after the rollback".getBytes(UTF_8), Map.of())).path("sequence").asLong())
        .isEqualTo(5);

    // A restarted supervisor of the same incarnation does not roll back a second time.
    rolledBack.close();
    started.clear();
    Supervisor restarted = Supervisor.start(config(2).withRollbackTo(1L));
    started.add(restarted);
    AgentClient again = readyAgent(restarted);
    assertThat(again.latest().body()).isEqualTo("after the rollback".getBytes(UTF_8));
    assertThat(operator.lastSequence(session)).isEqualTo(5);

    // A later failover restores the newest, which now descends from the rollback.
    restarted.close();
    started.clear();
    AgentClient next = readyAgent(incarnation(config(3)));
    assertThat(next.latest().body()).isEqualTo("after the rollback".getBytes(UTF_8));
  }

  @Test
  void aRollbackToACheckpointThatIsGoneOrBrokenRefusesInsteadOfRestoringAnother() throws IOException {
    AgentClient first = readyAgent(incarnation(config(1)));
    committed(first.post("one".getBytes(UTF_8), Map.of()));
    committed(first.post("two".getBytes(UTF_8), Map.of()));
    started.get(0).close();
    started.clear();
    Files.write(volume.resolve("checkpoints/1.blob"), "bit rot".getBytes(UTF_8));

    AgentClient broken = new AgentClient(incarnation(config(2).withRollbackTo(1L)));
    await().atMost(Duration.ofSeconds(15)).until(() -> operator.restore(session, 2).isPresent());
    assertThat(operator.restore(session, 2).orElseThrow().reason()).isEqualTo(
        "RollbackRefused: DigestMismatch: the blob of checkpoint #1 does not match its manifest; nothing restored");
    assertThat(broken.status("/readyz")).isEqualTo(503);
    HttpResponse<byte[]> latest = broken.latest();
    assertThat(latest.statusCode()).as("never the newest in place of the one asked for").isEqualTo(409);
    assertThat(new String(latest.body(), UTF_8)).contains("rollback-refused");
    assertThat(operator.lastSequence(session)).isEqualTo(2);
    started.get(0).close();
    started.clear();

    AgentClient missing = new AgentClient(incarnation(config(3).withRollbackTo(9L)));
    await().atMost(Duration.ofSeconds(15)).until(() -> operator.restore(session, 3).isPresent());
    assertThat(operator.restore(session, 3).orElseThrow().reason())
        .isEqualTo("RollbackRefused: checkpoint #9 is not in the store (kept: #2, #1); nothing restored");
    assertThat(missing.status("/readyz")).isEqualTo(503);
  }

  @Test
  void oversizedCheckpointsAreRejected() throws IOException {
    AgentClient agent = readyAgent(incarnation(config(1).withMaxCheckpointBytes(1024)));
    assertThat(agent.post(new byte[2000], Map.of()).statusCode()).isEqualTo(413);
    assertThat(agent.postStreamed(new byte[2000]).statusCode()).isEqualTo(413);
    assertThat(agent.postStreamed(new byte[1024]).statusCode()).isEqualTo(201);
    assertThat(AgentClient.sample(agent.metrics(), "tether_supervisor_commits_total{result=\"too_large\"}"))
        .isEqualTo(2);
    try (Stream<Path> files = Files.list(volume.resolve("checkpoints"))) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("1.blob");
    }
  }

  /** Input that would poison every later restore, or commit nothing as a restore point, is refused up front. */
  @Test
  void anEmptyBodyOrALineBreakInMetadataIsRefusedAndNothingIsCommitted() throws IOException {
    AgentClient agent = readyAgent(incarnation(config(1)));
    var empty = agent.post(new byte[0], Map.of());
    assertThat(empty.statusCode()).as(empty.body()).isEqualTo(400);
    assertThat(empty.body()).contains("empty-checkpoint");
    var query = agent.postWithQuery("context".getBytes(java.nio.charset.StandardCharsets.UTF_8), "meta.note=a%0Ab");
    assertThat(query.statusCode()).as(query.body()).isEqualTo(400);
    assertThat(query.body()).contains("control character");
    assertThat(operator.manifests(session)).as("nothing refused was committed").isEmpty();
    // Raw requests, since no HTTP client sends these: a bad %-escape, and a POST with neither Content-Length
    // nor chunked encoding, which the JDK would read as an empty body.
    assertThat(raw(agent, "GET /v1/checkpoint-request?wait=%zz HTTP/1.1")).startsWith("HTTP/1.1 400");
    assertThat(raw(agent, "POST /v1/checkpoints HTTP/1.1")).startsWith("HTTP/1.1 411");
    assertThat(operator.manifests(session)).isEmpty();
  }

  private static String raw(AgentClient agent, String requestLine) throws IOException {
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", agent.port())) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write((requestLine + "\r\nHost: x\r\nConnection: close\r\n\r\n")
          .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      return new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
    }
  }

  @Test
  void retentionDeletesOldManifestsAndTheirBlobs() throws IOException {
    AgentClient agent = readyAgent(incarnation(config(1).withRetain(2)));
    for (int i = 1; i <= 4; i++) {
      committed(agent.post(("checkpoint " + i).getBytes(UTF_8), Map.of()));
    }
    assertThat(operator.manifests(session)).extracting(Manifest::sequence).containsExactly(4L, 3L);
    try (Stream<Path> files = Files.list(volume.resolve("checkpoints"))) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("3.blob", "4.blob");
    }
  }

  @Test
  void aCheckpointRequestIsVisibleAndAnsweredByTheNextCommit() throws IOException {
    AgentClient agent = readyAgent(incarnation(config(1)));
    assertThat(agent.session().path("checkpointRequested").isNull()).isTrue();
    assertThat(agent.get("/v1/checkpoint-request", Duration.ofSeconds(5)).statusCode()).isEqualTo(204);

    CompletableFuture<HttpResponse<String>> longPoll =
        CompletableFuture.supplyAsync(() -> agent.get("/v1/checkpoint-request?wait=30", Duration.ofSeconds(40)));
    CheckpointRequest request = new CheckpointRequest("move-42", 1, Instant.parse("2030-01-01T00:00:00Z"));
    operator.requestCheckpoint(session, request);

    HttpResponse<String> polled = longPoll.join();
    assertThat(polled.statusCode()).isEqualTo(200);
    assertThat(AgentClient.json(polled.body()).path("requestId").asText()).isEqualTo("move-42");
    JsonNode requested = agent.session().path("checkpointRequested");
    assertThat(requested.path("requestId").asText()).isEqualTo("move-42");
    assertThat(requested.path("answered").asBoolean()).isFalse();

    JsonNode answer = committed(agent.post("final".getBytes(UTF_8), Map.of()));
    assertThat(operator.latest(session).orElseThrow().answersRequest()).isEqualTo("move-42");
    requested = agent.session().path("checkpointRequested");
    assertThat(requested.path("answered").asBoolean()).isTrue();
    assertThat(requested.path("answeredBySequence").asLong()).isEqualTo(answer.path("sequence").asLong());
    assertThat(agent.get("/v1/checkpoint-request", Duration.ofSeconds(5)).statusCode()).isEqualTo(204);
    committed(agent.post("later".getBytes(UTF_8), Map.of()));
    assertThat(operator.latest(session).orElseThrow().answersRequest()).as("answered once").isNull();

    operator.clearCheckpointRequest(session);
    await().atMost(Duration.ofSeconds(10)).until(() -> agent.session().path("checkpointRequested").isNull());
  }
  @Test
  void longPollsThatTakeEveryLongPollThreadLeaveCommitsAndRestoresServed() throws Exception {
    AgentClient agent = readyAgent(incarnation(config(1)));
    committed(agent.post("before".getBytes(UTF_8), Map.of()));
    // Its own threads: the common pool may have a single one on a small machine.
    ExecutorService pollers = Executors.newFixedThreadPool(LongPolls.MAX);
    try {
      List<CompletableFuture<HttpResponse<String>>> polls = new ArrayList<>();
      for (int i = 0; i < LongPolls.MAX; i++) {
        polls.add(CompletableFuture.supplyAsync(
            () -> agent.get("/v1/checkpoint-request?wait=30", Duration.ofSeconds(40)), pollers));
      }
      await().atMost(Duration.ofSeconds(15))
          .until(() -> AgentClient.sample(agent.metrics(), "tether_supervisor_long_polls") == LongPolls.MAX);

      HttpResponse<String> refused = agent.get("/v1/checkpoint-request?wait=30", Duration.ofSeconds(10));
      assertThat(refused.statusCode()).as(refused.body()).isEqualTo(429);
      assertThat(AgentClient.json(refused.body()).path("error").asText()).isEqualTo("too-many-long-polls");
      assertThat(refused.headers().firstValue("Retry-After")).isPresent();
      // The request pool is free while every long-poll thread waits.
      committed(agent.post("while polled".getBytes(UTF_8), Map.of()));
      assertThat(agent.session().path("lastSequence").asLong()).isEqualTo(2);
      assertThat(new String(agent.latest().body(), UTF_8)).isEqualTo("while polled");
      assertThat(agent.get("/v1/checkpoint-request", Duration.ofSeconds(5)).statusCode())
          .as("a poll that does not wait needs no long-poll thread").isEqualTo(204);
      assertThat(polls).as("answered while the polls still waited").noneMatch(CompletableFuture::isDone);

      operator.requestCheckpoint(session, new CheckpointRequest("move-7", 1, Instant.parse("2030-01-01T00:00:00Z")));
      assertThat(polls).allSatisfy(poll -> {
        HttpResponse<String> answer = poll.get(20, TimeUnit.SECONDS);
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(AgentClient.json(answer.body()).path("requestId").asText()).isEqualTo("move-7");
      });
      await().atMost(Duration.ofSeconds(10))
          .until(() -> AgentClient.sample(agent.metrics(), "tether_supervisor_long_polls") == 0);
      assertThat(AgentClient.sample(agent.metrics(), "tether_supervisor_long_polls_refused_total")).isEqualTo(1);
    } finally {
      pollers.shutdownNow();
    }
  }
}
