package dev.tether.operator.failover;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.AgentSessionSpec;
import dev.tether.api.v1alpha1.AgentSessionStatus;
import dev.tether.api.v1alpha1.SessionPhase;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The failure detector's tick and the mass-failure guard, on a clock and heartbeats the test sets. Silence
 * counts on the operator's clock from when a heartbeat value was first seen, so each case first lets the
 * detector see every node, then moves the clock on and renews only the nodes that stay alive.
 */
class FailureDetectorTest {
  private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
  private static final Duration OPERATOR_TIMEOUT = Duration.ofSeconds(20);

  private Instant now = START;
  private final Clock clock = new Clock() {
    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  };

  private final Map<String, Instant> heartbeats = new LinkedHashMap<>();
  private final List<AgentSession> sessions = new ArrayList<>();
  private final List<ResourceID> woken = new ArrayList<>();

  @Test
  void aSessionWhoseTimeoutCannotBeJudgedDoesNotBlindTheDetectorForTheOthers() {
    heartbeats.put("healthy", START);
    heartbeats.put("silent", START);
    sessions.add(session("poisoned", "healthy"));
    sessions.add(session("victim", "silent"));
    FailureDetector detector = detector(s -> {
      if (s.getMetadata().getName().equals("poisoned")) {
        throw new java.time.DateTimeException("Instant exceeds minimum or maximum instant");
      }
      return OPERATOR_TIMEOUT;
    });
    detector.tick();
    assertThat(woken).isEmpty();

    later(30, "healthy");
    detector.tick();

    assertThat(woken).containsExactly(new ResourceID("victim", "ns"));
  }

  @Test
  void silenceCountsOnTheOperatorsClockNotTheKubeletsOwn() {
    // The silent node's kubelet clock is 5 minutes behind: its last renewal looks ancient, but the operator
    // saw it arrive just now, and that is what counts.
    heartbeats.put("healthy", START);
    heartbeats.put("slow-clock", START.minusSeconds(300));
    sessions.add(session("s", "slow-clock"));
    FailureDetector detector = detector(s -> OPERATOR_TIMEOUT);
    detector.tick();
    later(10, "healthy", "slow-clock");
    detector.tick();
    assertThat(woken).as("renewing, whatever its clock says").isEmpty();

    later(15, "healthy");
    detector.tick();
    assertThat(woken).as("15 s of silence on the operator's clock").isEmpty();
    later(6, "healthy");
    detector.tick();
    assertThat(woken).as("21 s").containsExactly(new ResourceID("s", "ns"));
  }

  @Test
  void oneWakePerFailureAndAgainAfterTheNodeCameBackAndFailedAnew() {
    heartbeats.put("healthy", START);
    heartbeats.put("silent", START);
    sessions.add(session("s", "silent"));
    FailureDetector detector = detector(s -> OPERATOR_TIMEOUT);
    detector.tick();

    later(30, "healthy");
    detector.tick();
    detector.tick();
    assertThat(woken).hasSize(1);

    later(1, "healthy", "silent");
    detector.tick();
    later(25, "healthy");
    detector.tick();
    assertThat(woken).hasSize(2);
  }

  @Test
  void theGuardJudgesWithTheSessionsOwnTimeout() {
    // Three of four nodes silent for 10 s: failed for a session that waits 8 s, not yet by the operator's 20 s.
    List.of("alive", "a", "b", "c").forEach(n -> heartbeats.put(n, START));
    AgentSession fast = session("fast", "a");
    AgentSession patient = session("patient", "a");
    FailureDetector detector = detector(s -> s == fast ? Duration.ofSeconds(8) : OPERATOR_TIMEOUT);
    detector.tick();
    later(10, "alive");

    assertThat(detector.isBlind()).isFalse();
    assertThat(detector.isBlindFor(fast)).isTrue();
    assertThat(detector.failedNodesFor(fast)).isEqualTo(3);
    assertThat(detector.isBlindFor(patient)).isFalse();
  }

  @Test
  void aSessionOnALoneFailedNodeIsNotHeldByTheGuard() {
    List.of("alive", "b", "a").forEach(n -> heartbeats.put(n, START));
    AgentSession fast = session("fast", "a");
    FailureDetector detector = detector(s -> Duration.ofSeconds(8));
    detector.tick();
    later(10, "alive", "b");

    assertThat(detector.isBlindFor(fast)).isFalse();
  }

  private FailureDetector detector(Function<AgentSession, Duration> timeoutOf) {
    NodeHealth health = new NodeHealth(name -> heartbeats.containsKey(name) ? node(name) : null, this::lease);
    FailureDetector detector = new FailureDetector(sessions::stream, health,
        () -> heartbeats.keySet().stream().map(FailureDetectorTest::node).toList(), timeoutOf, OPERATOR_TIMEOUT,
        0.5, clock, () -> true, s -> s.getStatus().getNodeName());
    detector.setEventHandler(event -> woken.add(event.getRelatedCustomResourceID()));
    return detector;
  }

  /** Moves the clock on by {@code seconds}; the named nodes renew their Lease at that moment (by their clocks). */
  private void later(int seconds, String... renewing) {
    now = now.plusSeconds(seconds);
    for (String node : renewing) {
      heartbeats.put(node, heartbeats.get(node).plusSeconds(seconds));
    }
  }

  private Lease lease(String node) {
    Instant renewed = heartbeats.get(node);
    return renewed == null ? null : new LeaseBuilder().withNewMetadata().withName(node).endMetadata()
        .withNewSpec().withRenewTime(renewed.atZone(ZoneOffset.UTC)).endSpec().build();
  }

  private static Node node(String name) {
    return new NodeBuilder().withNewMetadata().withName(name).endMetadata().build();
  }

  private static AgentSession session(String name, String node) {
    AgentSession session = new AgentSession();
    session.getMetadata().setName(name);
    session.getMetadata().setNamespace("ns");
    session.setSpec(new AgentSessionSpec());
    AgentSessionStatus status = new AgentSessionStatus();
    status.setPhase(SessionPhase.Running);
    status.setNodeName(node);
    session.setStatus(status);
    return session;
  }
}
