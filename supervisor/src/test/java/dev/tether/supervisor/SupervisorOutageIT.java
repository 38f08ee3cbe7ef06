package dev.tether.supervisor;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tether.store.ContextStore;
import dev.tether.store.Manifest;
import dev.tether.store.SessionKey;
import dev.tether.store.StoreConfig;
import dev.tether.testbed.EtcdServer;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Nothing is acknowledged that is not committed, and writing works again once etcd is back. */
class SupervisorOutageIT {
  @TempDir
  Path volume;

  @Test
  void etcdDownMeans503AndNoAcknowledgedCheckpointIsLost() throws IOException {
    SessionKey session = SessionKey.of("team-a", "outage");
    try (EtcdServer etcd = EtcdServer.start();
         ContextStore operator = ContextStore.connect(StoreConfig.of(etcd.endpoint()))) {
      operator.advanceEpoch(session, 1);
      StoreConfig store = StoreConfig.of(etcd.endpoint()).withOperationTimeout(Duration.ofSeconds(2));
      try (Supervisor supervisor = Supervisor.start(SupervisorConfig.of(session, 1, volume, store))) {
        AgentClient agent = new AgentClient(supervisor);
        await().atMost(Duration.ofSeconds(15)).until(() -> agent.status("/readyz") == 200);
        Map<Long, byte[]> acknowledged = new LinkedHashMap<>();
        AtomicInteger attempt = new AtomicInteger();

        acknowledge(acknowledged, agent.post(bytes(attempt.incrementAndGet()), Map.of()), attempt.get());
        etcd.stop();
        try {
          long started = System.nanoTime();
          HttpResponse<String> refused = agent.post(bytes(attempt.incrementAndGet()), Map.of());
          assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
          assertThat(AgentClient.json(refused.body()).path("error").asText()).isEqualTo("store-unavailable");
          assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
        } finally {
          etcd.startProcess();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> {
          HttpResponse<String> response = agent.post(bytes(attempt.incrementAndGet()), Map.of());
          return acknowledge(acknowledged, response, attempt.get());
        });
        acknowledge(acknowledged, agent.post(bytes(attempt.incrementAndGet()), Map.of()), attempt.get());

        assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(3);
        Map<Long, Manifest> committed = new LinkedHashMap<>();
        operator.manifests(session).forEach(m -> committed.put(m.sequence(), m));
        acknowledged.forEach((sequence, blob) -> {
          assertThat(committed).containsKey(sequence);
          assertThat(committed.get(sequence).digest()).isEqualTo(AgentClient.sha256(blob));
          try {
            assertThat(Files.readAllBytes(volume.resolve("checkpoints/" + sequence + ".blob"))).isEqualTo(blob);
          } catch (IOException e) {
            throw new AssertionError(e);
          }
        });
        long newest = acknowledged.keySet().stream().mapToLong(Long::longValue).max().orElseThrow();
        assertThat(agent.latest().body()).isEqualTo(acknowledged.get(newest));
      }
    }
  }

  private static byte[] bytes(int attempt) {
    return ("checkpoint attempt " + attempt).getBytes(UTF_8);
  }

  private static boolean acknowledge(Map<Long, byte[]> acknowledged, HttpResponse<String> response, int attempt) {
    if (response.statusCode() != 201) {
      assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
      return false;
    }
    acknowledged.put(AgentClient.json(response.body()).path("sequence").asLong(), bytes(attempt));
    return true;
  }
}
