package dev.tether.supervisor;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.store.ContextStore;
import dev.tether.store.SessionKey;
import dev.tether.store.StoreConfig;
import dev.tether.testbed.EtcdServer;
import dev.tether.testbed.TcpProxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A supervisor whose watch is cut while its session's epoch is raised, and etcd compacts that change away before
 * the watch comes back: the watch resumes from now, and the supervisor reads the epoch instead, so it learns it
 * is fenced without waiting for a commit to be refused.
 */
class WatchCompactionIT {
  @TempDir
  Path volume;

  @Test
  void aNewerEpochCompactedAwayWhileTheWatchWasCutStillFencesTheSupervisor() throws Exception {
    SessionKey session = SessionKey.of("team-w", "compacted");
    try (EtcdServer etcd = EtcdServer.start();
         TcpProxy proxy = TcpProxy.start();
         ContextStore operator = ContextStore.connect(StoreConfig.of(etcd.endpoint()))) {
      proxy.target(etcd.clientPort());
      operator.advanceEpoch(session, 1);
      try (Supervisor supervisor = Supervisor.start(SupervisorConfig.of(session, 1, volume,
          StoreConfig.of("http://127.0.0.1:" + proxy.port())))) {
        AgentClient agent = new AgentClient(supervisor);
        await().atMost(Duration.ofSeconds(15)).until(() -> agent.status("/readyz") == 200);
        assertThat(agent.post("before the cut".getBytes(UTF_8), Map.of()).statusCode()).isEqualTo(201);

        proxy.target(0);
        proxy.disconnectAll();
        operator.advanceEpoch(session, 2);
        etcd.compactHistory();
        proxy.target(etcd.clientPort());

        await().atMost(Duration.ofMinutes(1)).until(supervisor::fenced);
        JsonNode seen = agent.session();
        assertThat(seen.path("fenced").asBoolean()).isTrue();
        assertThat(seen.path("currentEpoch").asLong()).isEqualTo(2);
        assertThat(agent.status("/readyz")).as("a fenced incarnation is not ready").isEqualTo(503);
      }
    }
  }
}
