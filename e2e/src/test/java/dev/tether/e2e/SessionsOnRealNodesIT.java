package dev.tether.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.AgentSessionStatus;
import dev.tether.api.v1alpha1.MigrationRecord;
import dev.tether.api.v1alpha1.RollbackRequest;
import dev.tether.api.v1alpha1.RollbackStatus;
import dev.tether.api.v1alpha1.SessionPhase;
import dev.tether.examples.agent.AgentContext;
import dev.tether.store.Manifest;
import dev.tether.store.RestoreRecord;
import dev.tether.testbed.real.RealNode;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The example agent with the injected supervisor on real nodes, through everything that can happen to a
 * session: it checkpoints, its node crashes, its node is partitioned and heals, its node is drained, it is
 * suspended and resumed; then an agent that finishes and one that crashes. One session lives through the
 * first five, so each move starts from the state the previous one left. The checkpoint on the volume is the
 * agent's own journal (every step with the epoch that did it): no step is ever lost or recorded twice.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SessionsOnRealNodesIT {
  private static final String JOURNEY = "step-agent";
  private static final Duration START = Duration.ofMinutes(3);
  private static final Duration MOVE = Duration.ofMinutes(3);
  private static final Pattern RESTORED = Pattern.compile("restored checkpoint (\\d+) at step (\\d+)");
  private static TetherOnRealNodes tether;
  private static StepAgentSessions sessions;
  private static String namespace;

  @BeforeAll
  static void install() {
    TetherOnRealNodes.assumeAvailable(SessionsOnRealNodesIT.class);
    tether = TetherOnRealNodes.get();
    namespace = tether.cluster.createNamespace("sessions");
    sessions = new StepAgentSessions(tether, namespace);
  }

  @AfterAll
  static void closeStore() {
    if (sessions != null) {
      sessions.close();
    }
  }

  @Test
  @Order(1)
  void theAgentAndTheInjectedSupervisorCheckpointToEtcdAndTheVolume() {
    AgentSession session = sessions.example(JOURNEY, 3000, 300, 5);
    session.getSpec().getFailover().setDetectionTimeout("8s");
    sessions.apply(session);

    awaitRunning(JOURNEY, 1, START);
    await().atMost(Duration.ofMinutes(1)).until(() -> sessions.status(JOURNEY).getLastCheckpoint().getSequence() >= 3);
    Pod pod = sessions.pod(JOURNEY).orElseThrow();
    assertThat(tether.workers()).extracting(RealNode::name).contains(pod.getSpec().getNodeName());
    assertThat(pod.getStatus().getContainerStatuses()).extracting(s -> s.getName() + "=" + s.getReady())
        .contains("agent=true", "tether-supervisor=true");
    assertThat(sessions.blobCount(JOURNEY)).isPositive();
    assertThat(sessions.restore(JOURNEY, 1)).as("Ready only after the supervisor recorded its restore").isPresent();
    assertEveryStepExactlyOnce(sessions.newestCheckpoint(JOURNEY));
    assertThat(sessions.newestCheckpoint(JOURNEY).steps()).allSatisfy(step -> assertThat(step.epoch()).isEqualTo(1));
  }

  @Test
  @Order(2)
  void aNodeCrashMovesTheSessionAndTheNewIncarnationContinuesFromItsLastCheckpoint() {
    AgentSessionStatus before = sessions.status(JOURNEY);
    RealNode node = tether.cluster.node(before.getNodeName());
    long crashedAt = System.nanoTime();
    node.crash();
    try {
      awaitRunning(JOURNEY, before.getEpoch() + 1, MOVE);
      System.out.printf("node crash -> new incarnation checkpointing: %.1f s%n", (System.nanoTime() - crashedAt) / 1e9);
      AgentSessionStatus after = sessions.status(JOURNEY);
      assertThat(after.getNodeName()).isNotEqualTo(node.name());
      assertThat(after.getRestoredFrom().getSequence()).isGreaterThanOrEqualTo(before.getLastCheckpoint().getSequence());
      assertThat(sessions.agentLog(JOURNEY, after.getEpoch())).contains("restored checkpoint");
      assertThat(lastMigration().getReason()).isEqualTo("NodeFailed");
      assertEveryStepExactlyOnce(sessions.newestCheckpoint(JOURNEY));
    } finally {
      node.restart();
      await().atMost(START).until(() -> isNodeReady(node.name()));
    }
  }

  @Test
  @Order(3)
  void aPartitionedIncarnationIsFencedWhenItComesBackAndItsAgentStops() {
    AgentSessionStatus before = sessions.status(JOURNEY);
    RealNode node = tether.cluster.node(before.getNodeName());
    long zombie = before.getEpoch();
    node.partition();
    try {
      awaitRunning(JOURNEY, zombie + 1, MOVE);
      assertThat(sessions.status(JOURNEY).getNodeName()).isNotEqualTo(node.name());
      node.healNetwork();
      // The zombie's supervisor reaches etcd again, finds a newer epoch and refuses its agent's commits.
      await().atMost(Duration.ofMinutes(1)).until(() -> sessions.agentLog(JOURNEY, zombie)
          .contains("fenced: a newer incarnation (epoch " + (zombie + 1) + ")"));
    } finally {
      node.healNetwork();
      node.resumeKubelet();
    }
    await().atMost(Duration.ofMinutes(1)).until(() ->
        tether.client().pods().inNamespace(namespace).withName(JOURNEY + "-" + zombie).get() == null);
    AgentContext journal = sessions.newestCheckpoint(JOURNEY);
    assertEveryStepExactlyOnce(journal);
    assertThat(journal.steps()).extracting(AgentContext.Step::epoch).isSorted();
  }

  @Test
  @Order(4)
  void aDrainedNodeGivesTheAgentAFinalCheckpointAndNoStepIsLost() {
    AgentSessionStatus before = sessions.status(JOURNEY);
    String node = before.getNodeName();
    Kubectl drain = Kubectl.start(tether, "drain", node, "--ignore-daemonsets", "--delete-emptydir-data",
        "--timeout=180s");
    try {
      awaitRunning(JOURNEY, before.getEpoch() + 1, MOVE);
      assertThat(drain.awaitExit(Duration.ofMinutes(2))).as("kubectl drain: %s", drain.output()).isZero();
      assertThat(lastMigration().getReason()).isEqualTo("Drain");
      assertThat(lastMigration().getFinalCheckpoint()).startsWith("final checkpoint");
      // The drained pod and its log are gone with it: what it saved is read from etcd. It answered the request,
      // and may have saved once more on SIGTERM; the new incarnation restores the newest of all.
      List<Manifest> ofOld = sessions.manifests(JOURNEY).stream().filter(m -> m.epoch() == before.getEpoch()).toList();
      assertThat(ofOld).as("the old incarnation answered the operator's request")
          .anySatisfy(m -> assertThat(m.answersRequest()).isNotNull());
      Manifest last = ofOld.get(0);
      assertThat(sessions.restore(JOURNEY, before.getEpoch() + 1)).get()
          .satisfies(r -> assertThat(r.sequence()).as("restored the old one's last checkpoint").isEqualTo(last.sequence()));
      int restored = lastMatch(RESTORED, sessions.agentLog(JOURNEY, before.getEpoch() + 1));
      assertThat(restored).as("the step the new incarnation continues from = the old one's final checkpoint")
          .isEqualTo(Integer.parseInt(last.metadata().get("step")));
      assertEveryStepExactlyOnce(sessions.newestCheckpoint(JOURNEY));
    } finally {
      drain.stop();
      Kubectl uncordon = Kubectl.start(tether, "uncordon", node);
      assertThat(uncordon.awaitExit(Duration.ofMinutes(1))).as("kubectl uncordon: %s", uncordon.output()).isZero();
    }
  }

  @Test
  @Order(5)
  void suspendRemovesThePodAndKeepsTheVolumeAndResumeRestores() {
    long epoch = sessions.status(JOURNEY).getEpoch();
    java.time.Instant suspendedAtTime = java.time.Instant.now();
    sessions.session(JOURNEY).edit(s -> {
      s.getSpec().setSuspend(true);
      return s;
    });
    // The agent saves on SIGTERM and its supervisor stops once that is committed: the pod goes well within the
    // 28 s the supervisor would otherwise keep serving.
    long suspendedAtNanos = System.nanoTime();
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250))
        .conditionEvaluationListener(diagnoseOnTimeout(JOURNEY))
        .until(() -> sessions.status(JOURNEY).getPhase() == SessionPhase.Suspended
            && tether.client().pods().inNamespace(namespace).withLabel("tether.dev/session", JOURNEY).list()
                .getItems().isEmpty());
    System.out.printf("suspend -> pod gone and session Suspended: %.1f s%n", (System.nanoTime() - suspendedAtNanos) / 1e9);
    Manifest saved = sessions.manifests(JOURNEY).get(0);
    assertThat(saved.epoch()).isEqualTo(epoch);
    assertThat(saved.createdAt()).as("the final checkpoint, taken on SIGTERM").isAfter(suspendedAtTime);
    assertThat(tether.client().persistentVolumeClaims().inNamespace(namespace).withName(JOURNEY + "-checkpoints")
        .get()).isNotNull();
    int suspendedAt = sessions.newestCheckpoint(JOURNEY).lastStep();

    sessions.session(JOURNEY).edit(s -> {
      s.getSpec().setSuspend(false);
      return s;
    });
    awaitRunning(JOURNEY, epoch + 1, MOVE);
    assertThat(lastMatch(RESTORED, sessions.agentLog(JOURNEY, epoch + 1))).isEqualTo(suspendedAt);
    assertEveryStepExactlyOnce(sessions.newestCheckpoint(JOURNEY));
  }

  /**
   * spec.rollback under a real kubelet: the operator's env reaches the injected supervisor, which commits the
   * chosen checkpoint again under the new epoch, and the agent continues from it.
   */
  @Test
  @Order(6)
  void aRollbackContinuesFromTheChosenCheckpointInTheNextIncarnation() {
    long epoch = sessions.status(JOURNEY).getEpoch();
    // The newest at the time of asking: the checkpoints the old incarnation still saves before it is fenced
    // (its last on SIGTERM) keep it well within retention.
    Manifest chosen = sessions.manifests(JOURNEY).get(0);
    sessions.session(JOURNEY).edit(s -> {
      s.getSpec().setRollback(new RollbackRequest(chosen.sequence(), "e2e"));
      return s;
    });
    awaitRunning(JOURNEY, epoch + 1, MOVE);
    // The supervisor's rollback commit is the new epoch's first checkpoint, so the session can look running before
    // the move is recorded and before the agent has logged its restore: wait for both.
    await().atMost(MOVE).untilAsserted(() -> assertThat(sessions.status(JOURNEY).getMigrations()).anySatisfy(m -> {
      assertThat(m.getReason()).isEqualTo("Rollback");
      assertThat(m.getFromEpoch()).isEqualTo(epoch);
      assertThat(m.getToEpoch()).isEqualTo(epoch + 1);
    }));
    assertThat(sessions.status(JOURNEY).getRollback().getResult())
        .isEqualTo(RollbackStatus.Result.Started);
    RestoreRecord record = sessions.restore(JOURNEY, epoch + 1).orElseThrow();
    assertThat(record.reason()).startsWith("Rollback: restored checkpoint #" + chosen.sequence() + ", committed again as #");
    Manifest copy = sessions.manifests(JOURNEY).stream().filter(m -> m.sequence() == record.sequence()).findFirst()
        .orElseThrow();
    assertThat(copy.epoch()).isEqualTo(epoch + 1);
    assertThat(copy.digest()).isEqualTo(chosen.digest());
    assertThat(copy.metadata()).containsEntry("tether.rollback-of", Long.toString(chosen.sequence()));
    await().atMost(MOVE).until(() -> RESTORED.matcher(sessions.agentLog(JOURNEY, epoch + 1)).find());
    assertThat(lastMatch(RESTORED, sessions.agentLog(JOURNEY, epoch + 1)))
        .as("the agent continues from the chosen checkpoint").isEqualTo(Integer.parseInt(chosen.metadata().get("step")));
    assertEveryStepExactlyOnce(sessions.newestCheckpoint(JOURNEY));
  }

  @Test
  @Order(7)
  void anAgentThatFinishesMakesTheSessionSucceeded() {
    sessions.apply(sessions.example("finisher", 12, 200, 5));
    await().atMost(START).until(() -> sessions.status("finisher").getPhase() == SessionPhase.Succeeded);
    AgentContext journal = sessions.newestCheckpoint("finisher");
    assertThat(journal.lastStep()).isEqualTo(12);
    assertEveryStepExactlyOnce(journal);
    assertThat(sessions.agentLog("finisher", 1)).contains("all 12 steps done");
    // The operator told the supervisor to stop, so the pod itself completes, its logs kept.
    await().atMost(Duration.ofMinutes(1)).until(() -> sessions.pod("finisher")
        .map(p -> "Succeeded".equals(p.getStatus().getPhase())).orElse(false));
    assertThat(sessions.pod("finisher").orElseThrow().getStatus().getContainerStatuses())
        .allSatisfy(c -> assertThat(c.getState().getTerminated().getExitCode()).as(c.getName()).isZero());
  }

  @Test
  @Order(8)
  void anAgentThatCrashesGetsANewIncarnation() {
    AgentSession session = sessions.example("crasher", 1000, 300, 5);
    var pod = session.getSpec().getTemplate().getSpec();
    pod.setRestartPolicy("Never");
    pod.getContainers().get(0).setCommand(List.of("bash", "-c", "echo working; sleep 3; exit 3"));
    sessions.apply(session);

    // Each incarnation crashes within seconds, so the first migration is recorded once the second is lost too.
    await().atMost(START).until(() -> sessions.status("crasher").getMigrations() != null
        && !sessions.status("crasher").getMigrations().isEmpty());
    AgentSessionStatus status = sessions.status("crasher");
    assertThat(status.getEpoch()).isGreaterThanOrEqualTo(2);
    assertThat(status.getMigrations()).first().satisfies(m -> {
      assertThat(m.getReason()).isEqualTo("PodFailed");
      assertThat(m.getFromEpoch()).isEqualTo(1);
    });
  }

  /** The cluster autoscaler taints a node it is about to remove, without a cordon: the same planned move. */
  @Test
  @Order(9)
  void theClusterAutoscalersTaintMovesTheSessionWithAFinalCheckpoint() {
    AgentSessionStatus before = sessions.status(JOURNEY);
    String node = before.getNodeName();
    taint(node, true);
    try {
      awaitRunning(JOURNEY, before.getEpoch() + 1, MOVE);
      assertThat(sessions.status(JOURNEY).getMigrations()).anySatisfy(m -> {
        assertThat(m.getReason()).isEqualTo("Drain");
        assertThat(m.getFromEpoch()).isEqualTo(before.getEpoch());
        assertThat(m.getFromNode()).isEqualTo(node);
        assertThat(m.getToNode()).isNotEqualTo(node);
        assertThat(m.getFinalCheckpoint()).startsWith("final checkpoint");
      });
      assertEveryStepExactlyOnce(sessions.newestCheckpoint(JOURNEY));
    } finally {
      taint(node, false);
    }
  }

  private static void taint(String node, boolean on) {
    tether.client().nodes().withName(node).edit(n -> {
      List<io.fabric8.kubernetes.api.model.Taint> taints = new java.util.ArrayList<>(
          n.getSpec().getTaints() == null ? List.of() : n.getSpec().getTaints());
      taints.removeIf(t -> "ToBeDeletedByClusterAutoscaler".equals(t.getKey()));
      if (on) {
        taints.add(new io.fabric8.kubernetes.api.model.TaintBuilder().withKey("ToBeDeletedByClusterAutoscaler")
            .withValue(Long.toString(System.currentTimeMillis() / 1000)).withEffect("NoSchedule").build());
      }
      n.getSpec().setTaints(taints);
      return n;
    });
  }

  private static void awaitRunning(String name, long epoch, Duration timeout) {
    await().atMost(timeout).pollInterval(Duration.ofMillis(500))
        .conditionEvaluationListener(diagnoseOnTimeout(name))
        .until(() -> sessions.runningAndReady(name, epoch));
  }

  /** When a wait gives up: the operator's log, the session's status and its pods, so the step it was stuck in shows. */
  private static org.awaitility.core.ConditionEvaluationListener<Object> diagnoseOnTimeout(String name) {
    java.util.concurrent.atomic.AtomicBoolean printed = new java.util.concurrent.atomic.AtomicBoolean();
    return condition -> {
      if (condition.getRemainingTimeInMS() <= condition.getPollInterval().toMillis() && !printed.getAndSet(true)) {
        System.out.println(tether.operatorLogs());
        System.out.println(io.fabric8.kubernetes.client.utils.Serialization.asYaml(sessions.status(name)));
        tether.client().pods().inNamespace(namespace).list().getItems().forEach(p -> System.out.println(
            p.getMetadata().getName() + " node=" + p.getSpec().getNodeName() + " deletionTimestamp="
                + p.getMetadata().getDeletionTimestamp() + " "
                + io.fabric8.kubernetes.client.utils.Serialization.asYaml(p.getStatus())));
        tether.client().v1().events().inNamespace(namespace).list().getItems().forEach(e -> System.out.println(
            e.getLastTimestamp() + " " + e.getInvolvedObject().getName() + " " + e.getReason() + ": " + e.getMessage()));
      }
    };
  }

  private static MigrationRecord lastMigration() {
    List<MigrationRecord> history = sessions.status(JOURNEY).getMigrations();
    assertThat(history).isNotEmpty();
    return history.get(history.size() - 1);
  }

  private static void assertEveryStepExactlyOnce(AgentContext journal) {
    Map<Integer, Integer> counts = StepAgentSessions.stepCounts(journal);
    assertThat(counts.keySet()).as("steps 1..%d without gaps", journal.lastStep())
        .containsExactlyElementsOf(java.util.stream.IntStream.rangeClosed(1, journal.lastStep()).boxed().toList());
    assertThat(counts.values()).as("each step recorded once").containsOnly(1);
  }

  private static int lastMatch(Pattern pattern, String log) {
    Matcher matcher = pattern.matcher(log);
    int step = -1;
    while (matcher.find()) {
      step = Integer.parseInt(matcher.group(2));
    }
    assertThat(step).as("%s in %s", pattern, log).isPositive();
    return step;
  }

  private static boolean isNodeReady(String name) {
    var node = tether.client().nodes().withName(name).get();
    return node != null && node.getStatus().getConditions().stream()
        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

}
