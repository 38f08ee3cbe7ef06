package dev.tether.supervisor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A checkpoint volume that fills up: with {@code retain} checkpoints on a volume that holds about that many, the
 * oldest blobs are pruned ahead of the commit that needs the room, and checkpoints go on; one that cannot fit at
 * all is refused with 507 and the newest committed checkpoint stays the restore point. The volume is a
 * {@link SmallVolume} (a real directory with a capacity), since a full file system needs root or a loop mount.
 */
class FullVolumeIT {
  private static final int CHECKPOINT = 100 * 1024;
  /** Three checkpoints and a half. */
  private static final long CAPACITY = 350 * 1024;
  private static final AtomicInteger NAMES = new AtomicInteger();
  private static EtcdServer etcd;
  private static ContextStore operator;
  private final List<Supervisor> started = new ArrayList<>();
  private final SessionKey session = SessionKey.of("team-a", "full-" + NAMES.incrementAndGet());
  private final SmallVolume volume = new SmallVolume(CAPACITY);

  @TempDir
  Path dir;

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

  /** Epoch 1 with retain=3 on the small volume, ready. */
  private AgentClient readyAgent() throws IOException {
    operator.advanceEpoch(session, 1);
    Supervisor supervisor = Supervisor.start(
        SupervisorConfig.of(session, 1, dir, StoreConfig.of(etcd.endpoint())).withRetain(3), volume);
    started.add(supervisor);
    AgentClient agent = new AgentClient(supervisor);
    await().atMost(Duration.ofSeconds(15)).until(() -> agent.status("/readyz") == 200);
    return agent;
  }

  private static byte[] checkpoint(int seed) {
    byte[] bytes = new byte[CHECKPOINT];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  private static long committed(HttpResponse<String> response) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    return AgentClient.json(response.body()).path("sequence").asLong();
  }

  private List<String> files() throws IOException {
    try (Stream<Path> files = Files.list(dir.resolve("checkpoints"))) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private static double metric(AgentClient agent, String series) {
    return AgentClient.sample(agent.metrics(), series);
  }

  @Test
  void checkpointsGoOnCommittingOnceTheVolumeIsFull() throws IOException {
    AgentClient agent = readyAgent();
    for (int i = 1; i <= 3; i++) {
      assertThat(committed(agent.post(checkpoint(i), Map.of()))).isEqualTo(i);
    }
    assertThat(metric(agent, "tether_supervisor_volume_full_prunes_total")).isZero();
    assertThat(metric(agent, "tether_supervisor_volume_free_bytes")).isEqualTo(CAPACITY - 3 * CHECKPOINT);

    // With a Content-Length: too little room is seen before the body is read, and the volume pruned first.
    assertThat(committed(agent.post(checkpoint(4), Map.of()))).isEqualTo(4);
    assertThat(volume.fullWrites()).isZero();
    assertThat(metric(agent, "tether_supervisor_volume_full_prunes_total")).isEqualTo(1);
    // Chunked: the volume fills part-way through the body, is pruned, and the rest of the stream goes on.
    assertThat(committed(agent.postStreamed(checkpoint(5)))).isEqualTo(5);
    assertThat(volume.fullWrites()).isEqualTo(1);
    assertThat(metric(agent, "tether_supervisor_volume_full_prunes_total")).isEqualTo(2);
    for (int i = 6; i <= 8; i++) {
      assertThat(committed(i % 2 == 0 ? agent.post(checkpoint(i), Map.of()) : agent.postStreamed(checkpoint(i))))
          .isEqualTo(i);
    }

    String scrape = agent.metrics();
    assertThat(AgentClient.sample(scrape, "tether_supervisor_volume_full_prunes_total")).isEqualTo(5);
    assertThat(AgentClient.sample(scrape, "tether_supervisor_commits_total{result=\"committed\"}")).isEqualTo(8);
    assertThat(AgentClient.sample(scrape, "tether_supervisor_commits_total{result=\"insufficient_storage\"}"))
        .isZero();
    HttpResponse<byte[]> latest = agent.latest();
    assertThat(latest.statusCode()).isEqualTo(200);
    assertThat(latest.body()).isEqualTo(checkpoint(8));
    assertThat(latest.headers().firstValue("X-Tether-Restore-Fallback")).contains("false");
    assertThat(operator.manifests(session)).extracting(Manifest::sequence).containsExactly(8L, 7L, 6L);
    // The reply comes before retention runs: wait for it rather than race it.
    await().atMost(Duration.ofSeconds(10)).untilAsserted(
        () -> assertThat(files()).containsExactly("6.blob", "7.blob", "8.blob"));
    assertThat(metric(agent, "tether_supervisor_volume_free_bytes")).isEqualTo(CAPACITY - 3 * CHECKPOINT);
  }

  @Test
  void aCheckpointLargerThanTheWholeVolumeGets507AndTheLastOneStaysTheRestorePoint() throws IOException {
    AgentClient agent = readyAgent();
    for (int i = 1; i <= 3; i++) {
      committed(agent.post(checkpoint(i), Map.of()));
    }
    byte[] huge = new byte[(int) CAPACITY + CHECKPOINT];
    new Random(99).nextBytes(huge);

    HttpResponse<String> refused = agent.post(huge, Map.of());
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(507);
    JsonNode error = AgentClient.json(refused.body());
    assertThat(error.path("error").asText()).isEqualTo("insufficient-storage");
    assertThat(error.path("message").asText()).contains("the checkpoint volume is full")
        .contains("nothing was committed").contains("retry later, or send a smaller checkpoint");
    HttpResponse<String> streamed = agent.postStreamed(huge);
    assertThat(streamed.statusCode()).as(streamed.body()).isEqualTo(507);

    String scrape = agent.metrics();
    assertThat(AgentClient.sample(scrape, "tether_supervisor_commits_total{result=\"insufficient_storage\"}"))
        .isEqualTo(2);
    assertThat(AgentClient.sample(scrape, "tether_supervisor_commits_total{result=\"committed\"}")).isEqualTo(3);
    assertThat(AgentClient.sample(scrape, "tether_supervisor_volume_full_prunes_total")).isEqualTo(2);
    assertThat(operator.manifests(session)).as("nothing committed").extracting(Manifest::sequence)
        .containsExactly(3L, 2L, 1L);
    assertThat(files()).as("the newest two blobs kept, no temp file left").containsExactly("2.blob", "3.blob");
    HttpResponse<byte[]> latest = agent.latest();
    assertThat(latest.statusCode()).isEqualTo(200);
    assertThat(latest.body()).isEqualTo(checkpoint(3));
    assertThat(latest.headers().firstValue("X-Tether-Sequence")).contains("3");

    // Shrunk, the next checkpoint fits in the room the prune made.
    assertThat(committed(agent.post(checkpoint(4), Map.of()))).isEqualTo(4);
    assertThat(agent.latest().body()).isEqualTo(checkpoint(4));
  }
}
