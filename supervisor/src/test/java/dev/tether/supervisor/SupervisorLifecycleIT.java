package dev.tether.supervisor;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tether.store.ContextStore;
import dev.tether.store.SessionKey;
import dev.tether.store.StoreConfig;
import dev.tether.testbed.EtcdServer;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The supervisor as a sidecar lives in its pod: probes the kubelet can reach, an exit when the operator says the
 * agent has finished, and after SIGTERM service until the agent's final checkpoint.
 */
class SupervisorLifecycleIT {
  private static final AtomicInteger NAMES = new AtomicInteger();
  private static final SupervisorConfig.Lifecycle SIDECAR =
      new SupervisorConfig.Lifecycle(0, Duration.ofSeconds(20), false);
  private static EtcdServer etcd;
  private static ContextStore operator;
  private final List<Supervisor> started = new ArrayList<>();
  private final SessionKey session = SessionKey.of("team-life", "agent-" + NAMES.incrementAndGet());

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

  private Supervisor sidecar(long epoch) throws IOException {
    operator.advanceEpoch(session, epoch);
    Supervisor supervisor = Supervisor.start(SupervisorConfig.of(session, epoch, volume,
        StoreConfig.of(etcd.endpoint())).withLifecycle(SIDECAR));
    started.add(supervisor);
    await().atMost(Duration.ofSeconds(15)).until(supervisor::ready);
    return supervisor;
  }

  @Test
  void theProbePortAnswersHealthAndMetricsOnlyOnEveryAddress() throws IOException {
    Supervisor supervisor = sidecar(1);
    String address = nonLoopbackAddress(supervisor.probePort());
    AgentClient kubelet = new AgentClient("http://" + address + ":" + supervisor.probePort());
    try (var socket = new java.net.Socket()) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> socket.connect(
          new java.net.InetSocketAddress(address, supervisor.port()), 2000))
          .as("the checkpoint API listens on loopback only").isInstanceOf(IOException.class);
    }
    assertThat(kubelet.status("/readyz")).isEqualTo(200);
    assertThat(kubelet.status("/healthz")).isEqualTo(200);
    assertThat(kubelet.status("/v1/checkpoints/latest")).as("no checkpoint data off loopback").isEqualTo(404);
    assertThat(kubelet.status("/v1/session")).isEqualTo(404);
    assertThat(AgentClient.sample(kubelet.metrics(), "tether_supervisor_commits_total{result=\"committed\"}"))
        .isZero();

    operator.advanceEpoch(session, 2);
    await().atMost(Duration.ofSeconds(10)).until(() -> kubelet.status("/readyz") == 503);
  }

  /**
   * An address of this machine's that is not loopback, where the kubelet's probes come from in a pod: one that
   * reaches the probe port, since a machine may also carry interfaces that lead nowhere (a node's bridge torn down).
   */
  private static String nonLoopbackAddress(int probePort) throws IOException {
    return java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces()).stream()
        .filter(i -> {
          try {
            return i.isUp() && !i.isLoopback();
          } catch (java.net.SocketException e) {
            return false;
          }
        })
        .flatMap(i -> java.util.Collections.list(i.getInetAddresses()).stream())
        .filter(a -> a instanceof java.net.Inet4Address)
        .map(InetAddress::getHostAddress)
        .filter(a -> reaches(a, probePort)).findFirst()
        .orElseThrow(() -> new org.opentest4j.TestAbortedException("no non-loopback IPv4 address here"));
  }

  private static boolean reaches(String address, int port) {
    try (var socket = new java.net.Socket()) {
      socket.connect(new java.net.InetSocketAddress(address, port), 2000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  @Test
  void aStopRequestForItsEpochEndsItAndOneForAnotherDoesNot() throws Exception {
    Supervisor supervisor = sidecar(3);
    CompletableFuture<Void> stopped = CompletableFuture.runAsync(() -> {
      try {
        supervisor.awaitStopRequest();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    operator.requestStop(session, 2);
    await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> !stopped.isDone());
    operator.requestStop(session, 3);
    stopped.get(10, TimeUnit.SECONDS);
  }

  @Test
  void aSupervisorRestartedAfterTheStopRequestStopsAtOnce() throws Exception {
    operator.requestStop(session, 4);
    Supervisor supervisor = sidecar(4);
    CompletableFuture.runAsync(() -> {
      try {
        supervisor.awaitStopRequest();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }).get(10, TimeUnit.SECONDS);
  }

  @Test
  void afterSigtermTheAgentsFinalCheckpointIsCommittedThenItStops() throws Exception {
    Supervisor supervisor = sidecar(1);
    AgentClient agent = new AgentClient(supervisor);
    assertThat(agent.post("before".getBytes(UTF_8), Map.of()).statusCode()).isEqualTo(201);

    CompletableFuture<DrainEnd> drained = CompletableFuture.supplyAsync(() -> {
      try {
        return supervisor.drain(Duration.ofSeconds(20));
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> !drained.isDone());
    var reply = agent.post("final".getBytes(UTF_8), Map.of("step", "9"));
    assertThat(reply.statusCode()).as(reply.body()).isEqualTo(201);
    assertThat(drained.get(10, TimeUnit.SECONDS)).isEqualTo(DrainEnd.FINAL_CHECKPOINT);
    assertThat(operator.latest(session).orElseThrow().metadata()).containsEntry("step", "9");
  }

  /**
   * The kubelet signals the agent and the supervisor at once: the agent's final save can be answered before
   * the supervisor's own SIGTERM arrives. Marked final, it still ends the drain, at once and not at the deadline.
   */
  @Test
  void aFinalCheckpointAnsweredJustBeforeSigtermEndsTheDrainAtOnce() throws Exception {
    Supervisor supervisor = sidecar(1);
    AgentClient agent = new AgentClient(supervisor);
    assertThat(agent.post("regular".getBytes(UTF_8), Map.of()).statusCode()).isEqualTo(201);
    var reply = agent.post("final".getBytes(UTF_8), Map.of("step", "10"), true);
    assertThat(reply.statusCode()).as(reply.body()).isEqualTo(201);

    long start = System.nanoTime();
    assertThat(supervisor.drain(Duration.ofSeconds(20))).isEqualTo(DrainEnd.FINAL_CHECKPOINT);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    assertThat(operator.latest(session).orElseThrow().metadata()).containsEntry("step", "10");
  }

  @Test
  void aRegularCheckpointBeforeSigtermDoesNotEndTheDrain() throws Exception {
    Supervisor supervisor = sidecar(1);
    AgentClient agent = new AgentClient(supervisor);
    assertThat(agent.post("regular".getBytes(UTF_8), Map.of()).statusCode()).isEqualTo(201);
    assertThat(supervisor.drain(Duration.ofMillis(500))).isEqualTo(DrainEnd.DEADLINE);
  }

  @Test
  void afterSigtermItStopsAtTheDeadlineOrWhenTheOperatorSaysTheAgentFinished() throws Exception {
    Supervisor supervisor = sidecar(1);
    long start = System.nanoTime();
    assertThat(supervisor.drain(Duration.ofMillis(300))).isEqualTo(DrainEnd.DEADLINE);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));

    CompletableFuture<DrainEnd> drained = CompletableFuture.supplyAsync(() -> {
      try {
        return supervisor.drain(Duration.ofSeconds(30));
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    operator.requestStop(session, 1);
    assertThat(drained.get(10, TimeUnit.SECONDS)).isEqualTo(DrainEnd.STOP_REQUESTED);
  }

  @Test
  void aFencedIncarnationPollingForRequestsIsToldToStopInsteadOfSpinning() throws IOException {
    Supervisor supervisor = sidecar(1);
    AgentClient agent = new AgentClient(supervisor);
    operator.advanceEpoch(session, 2);
    await().atMost(Duration.ofSeconds(10)).until(supervisor::fenced);
    var reply = agent.get("/v1/checkpoint-request?wait=5", Duration.ofSeconds(10));
    assertThat(reply.statusCode()).isEqualTo(409);
    assertThat(AgentClient.json(reply.body()).path("currentEpoch").asLong()).isEqualTo(2);
  }
}
