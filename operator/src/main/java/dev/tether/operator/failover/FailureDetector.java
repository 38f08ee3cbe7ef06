package dev.tether.operator.failover;

import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.SessionPhase;
import io.fabric8.kubernetes.api.model.Node;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the absence of heartbeats into events. A failing node sends nothing, so a ticker checks, twice a
 * second, every session's node against that session's detection timeout, and wakes a session once when
 * its node crosses it. It also runs the mass-failure guard: when more than the configured share of nodes
 * looks failed at once, the operator more likely lost sight of the cluster than the cluster lost its
 * nodes, so no migration starts until the share drops again.
 */
public final class FailureDetector extends AbstractEventSource<NodeFailure, AgentSession> {
  private static final Logger LOG = LoggerFactory.getLogger(FailureDetector.class);
  private static final Duration TICK = Duration.ofMillis(500);

  /** The sessions as cached now. */
  private final Supplier<Stream<AgentSession>> sessions;
  private final NodeHealth health;
  private final Supplier<Collection<Node>> nodes;
  private final Function<AgentSession, Duration> timeoutOf;
  private final Duration guardTimeout;
  private final double massFailureThreshold;
  private final Clock clock;
  /** Whether the operator's own watches on Nodes and Leases are connected. */
  private final BooleanSupplier seeing;
  /** The node of the session's current pod: during a migration status names no node until the pod is Ready. */
  private final Function<AgentSession, String> nodeOf;
  private final Map<ResourceID, String> woken = new ConcurrentHashMap<>();
  private volatile boolean blind;
  private volatile int failedNodes;
  private ScheduledExecutorService ticker;

  public FailureDetector(Supplier<Stream<AgentSession>> sessions, NodeHealth health,
      Supplier<Collection<Node>> nodes, Function<AgentSession, Duration> timeoutOf, Duration guardTimeout,
      double massFailureThreshold, Clock clock, BooleanSupplier seeing, Function<AgentSession, String> nodeOf) {
    super(NodeFailure.class, "failure-detector");
    this.nodeOf = nodeOf;
    this.seeing = seeing;
    this.sessions = sessions;
    this.health = health;
    this.nodes = nodes;
    this.timeoutOf = timeoutOf;
    this.guardTimeout = guardTimeout;
    this.massFailureThreshold = massFailureThreshold;
    this.clock = clock;
  }

  @Override
  public java.util.Set<NodeFailure> getSecondaryResources(AgentSession primary) {
    return java.util.Set.of();
  }

  /**
   * True while the mass-failure guard holds migrations back. Judged afresh, not as of the last tick: a
   * reconcile may see a node cross its timeout before the ticker counted it among the failed ones.
   */
  public boolean isBlind() {
    updateGuard(clock.instant());
    return blind;
  }

  public int failedNodes() {
    return failedNodes;
  }

  /**
   * The guard as this session sees it: also engaged when more than the threshold's share of nodes looks failed
   * by the session's own detection timeout. Else a session with a shorter timeout than the operator's would
   * migrate in the first seconds of a mass failure, before the guard counted the nodes as failed.
   */
  public boolean isBlindFor(AgentSession session) {
    return isBlind() || tooManyFailed(failedNodes(timeoutOf.apply(session), clock.instant()), nodes.get().size());
  }

  /** How many nodes look failed by this session's detection timeout. */
  public int failedNodesFor(AgentSession session) {
    return Math.max(failedNodes, failedNodes(timeoutOf.apply(session), clock.instant()));
  }

  private int failedNodes(Duration timeout, Instant now) {
    return (int) nodes.get().stream()
        .filter(n -> health.failure(n.getMetadata().getName(), timeout, now).isPresent()).count();
  }

  private boolean tooManyFailed(int failed, int all) {
    return all >= 2 && failed > massFailureThreshold * all;
  }

  @Override
  public void start() {
    ticker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "tether-failure-detector");
      t.setDaemon(true);
      return t;
    });
    ticker.scheduleWithFixedDelay(this::tickSafely, TICK.toMillis(), TICK.toMillis(), TimeUnit.MILLISECONDS);
    super.start();
  }

  @Override
  public void stop() {
    if (ticker != null) {
      ticker.shutdownNow();
    }
    super.stop();
  }

  private void tickSafely() {
    try {
      tick();
    } catch (RuntimeException e) {
      LOG.warn("failure detection tick failed", e);
    }
  }

  void tick() {
    Instant now = clock.instant();
    if (!seeing.getAsBoolean()) {
      // Heartbeats that arrive while we cannot watch are heartbeats we miss: silence starts counting again
      // only once we see again.
      health.blind(now);
    }
    updateGuard(now);
    sessions.get().forEach(session -> {
      // One session's bad data must not stop the look at all the others.
      try {
        check(session, now);
      } catch (RuntimeException e) {
        LOG.warn("failure detection skipped session {}/{}", session.getMetadata().getNamespace(),
            session.getMetadata().getName(), e);
      }
    });
  }

  private void check(AgentSession session, Instant now) {
    ResourceID id = ResourceID.fromResource(session);
    var status = session.getStatus();
    // Migrating sessions too: the node of a pod that is still restoring can fail as well.
    String node = status == null ? null : nodeOf.apply(session);
    if (node == null || !(status.getPhase() == SessionPhase.Running
        || status.getPhase() == SessionPhase.Pending || status.getPhase() == SessionPhase.Migrating)) {
      woken.remove(id);
      return;
    }
    var failure = health.failure(node, timeoutOf.apply(session), now);
    if (failure.isEmpty()) {
      woken.remove(id);
    } else if (!wakeKey(failure.get()).equals(woken.put(id, wakeKey(failure.get())))) {
      getEventHandler().handleEvent(new Event(id));
    }
  }

  /**
   * One wake per failure: a deleted or out-of-service node reports "now" as its last sign of life, which
   * must not wake its sessions on every tick.
   */
  private static String wakeKey(NodeFailure failure) {
    return failure.node() + "/" + failure.reason()
        + (failure.reason() == NodeFailure.Reason.NodeFailed ? "/" + failure.lastSeen() : "");
  }

  private synchronized void updateGuard(Instant now) {
    Collection<Node> all = nodes.get();
    int failed = failedNodes(guardTimeout, now);
    failedNodes = failed;
    boolean nowBlind = tooManyFailed(failed, all.size());
    if (nowBlind != blind) {
      blind = nowBlind;
      if (nowBlind) {
        LOG.warn("mass-failure guard engaged: {} of {} nodes look failed (threshold {}%); assuming the operator "
            + "cannot see the cluster, no migration starts until this clears", failed, all.size(),
            Math.round(massFailureThreshold * 100));
      } else {
        LOG.info("mass-failure guard released: {} of {} nodes look failed", failed, all.size());
      }
      // Sessions that were held back get another look.
      woken.clear();
    }
  }
}
