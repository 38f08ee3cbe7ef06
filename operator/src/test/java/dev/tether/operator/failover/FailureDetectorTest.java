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

/** The failure detector's tick and the mass-failure guard, on a clock and heartbeats the test sets. */
class FailureDetectorTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:01:00Z");
  private static final Duration OPERATOR_TIMEOUT = Duration.ofSeconds(20);

  private final Map<String, Instant> heartbeats = new LinkedHashMap<>();
  private final List<AgentSession> sessions = new ArrayList<>();
  private final List<ResourceID> woken = new ArrayList<>();

  @Test
  void aSessionWhoseTimeoutCannotBeJudgedDoesNotBlindTheDetectorForTheOthers() {
    heartbeats.put("healthy", NOW);
    heartbeats.put("silent", NOW.minusSeconds(30));
    sessions.add(session("poisoned", "healthy"));
    sessions.add(session("victim", "silent"));
    FailureDetector detector = detector(s -> {
      if (s.getMetadata().getName().equals("poisoned")) {
        throw new java.time.DateTimeException("Instant exceeds minimum or maximum instant");
      }
      return OPERATOR_TIMEOUT;
    });

    detector.tick();

    assertThat(woken).containsExactly(new ResourceID("victim", "ns"));
  }

  @Test
  void oneWakePerFailureAndAgainAfterTheNodeCameBackAndFailedAnew() {
    heartbeats.put("healthy", NOW);
    heartbeats.put("silent", NOW.minusSeconds(30));
    sessions.add(session("s", "silent"));
    FailureDetector detector = detector(s -> OPERATOR_TIMEOUT);

    detector.tick();
    detector.tick();
    assertThat(woken).hasSize(1);

    heartbeats.put("silent", NOW);
    detector.tick();
    heartbeats.put("silent", NOW.minusSeconds(25));
    detector.tick();
    assertThat(woken).hasSize(2);
  }

  @Test
  void theGuardJudgesWithTheSessionsOwnTimeout() {
    // Three of four nodes silent for 10 s: failed for a session that waits 8 s, not yet by the operator's 20 s.
    heartbeats.put("alive", NOW);
    heartbeats.put("a", NOW.minusSeconds(10));
    heartbeats.put("b", NOW.minusSeconds(10));
    heartbeats.put("c", NOW.minusSeconds(10));
    AgentSession fast = session("fast", "a");
    AgentSession patient = session("patient", "a");
    FailureDetector detector = detector(s -> s == fast ? Duration.ofSeconds(8) : OPERATOR_TIMEOUT);

    assertThat(detector.isBlind()).isFalse();
    assertThat(detector.isBlindFor(fast)).isTrue();
    assertThat(detector.failedNodesFor(fast)).isEqualTo(3);
    assertThat(detector.isBlindFor(patient)).isFalse();
  }

  @Test
  void aSessionOnALoneFailedNodeIsNotHeldByTheGuard() {
    heartbeats.put("alive", NOW);
    heartbeats.put("b", NOW);
    heartbeats.put("a", NOW.minusSeconds(10));
    AgentSession fast = session("fast", "a");
    FailureDetector detector = detector(s -> Duration.ofSeconds(8));

    assertThat(detector.isBlindFor(fast)).isFalse();
  }

  private FailureDetector detector(Function<AgentSession, Duration> timeoutOf) {
    NodeHealth health = new NodeHealth(name -> heartbeats.containsKey(name) ? node(name) : null, this::lease);
    FailureDetector detector = new FailureDetector(sessions::stream, health,
        () -> heartbeats.keySet().stream().map(FailureDetectorTest::node).toList(), timeoutOf, OPERATOR_TIMEOUT,
        0.5, Clock.fixed(NOW, ZoneOffset.UTC), () -> true, s -> s.getStatus().getNodeName());
    detector.setEventHandler(event -> woken.add(event.getRelatedCustomResourceID()));
    return detector;
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
