package dev.tether.playground;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.MigrationRecord;
import dev.tether.api.v1alpha1.SessionPhase;
import dev.tether.store.Manifest;
import dev.tether.store.SessionKey;
import dev.tether.testbed.faults.ApiFaultProxy;
import dev.tether.testbed.sim.SimulatedNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The fencing epoch under the faults of a loaded control plane, with the checkpoint store on. The operator's
 * requests go through an {@link ApiFaultProxy}; the store is the real etcd the supervisors commit to. Whatever
 * happens, a migration ends with an incarnation whose epoch the store holds exactly, so it restores and commits;
 * a decision whose status write failed leaves no trace in the store; and an incarnation the store no longer
 * accepts is never left running as if it were fine.
 */
class EpochFaultsIT {
  static final Duration TIMEOUT = Duration.ofSeconds(90);
  /** Long enough that the agent is still working when the test is done with it. */
  static final int STEPS = 600;
  private static final Pattern RESTORING = Pattern.compile("\"step\"\\s*:\\s*\"Restoring\"");

  final SessionCluster bed = PlaygroundBed.get();
  final ApiFaultProxy faults = bed.faults();

  @Test
  void aLostResponseToTheEpochWriteRetriedOnAStaleCacheDoesNotWedgeTheSession() {
    String ns = PlaygroundBed.newNamespace("lost");
    SimulatedNode node = startOnItsOwnPool(ns, "lost");
    // The status write that takes the new epoch reaches the apiserver, its answer does not, and the operator's
    // view of sessions lags 8 s: its retries decide again on the old status.
    faults.dropNextResponse(epochWrite(ns, "lost"), path -> path.contains("/agentsessions"), Duration.ofSeconds(8));
    node.crash();
    try {
      AgentSession moved = awaitRestoredIncarnation(ns, "lost");
      assertThat(faults.droppedResponses()).as("the fault fired").isPositive();
      assertThat(moved.getStatus().getMigrations()).as("one migration: no incarnation was born fenced")
          .extracting(MigrationRecord::getReason).containsExactly("NodeFailed");
      assertCommitsInItsOwnEpoch(ns, "lost", moved.getStatus().getEpoch());
    } finally {
      node.heal();
    }
  }

  @Test
  void aConflictOnTheEpochWriteLeavesNoTraceInTheStore() {
    String ns = PlaygroundBed.newNamespace("conflict");
    SimulatedNode node = startOnItsOwnPool(ns, "conflicted");
    int before = faults.injectedConflicts();
    faults.conflictNext(epochWrite(ns, "conflicted"));
    node.crash();
    try {
      AgentSession moved = awaitRestoredIncarnation(ns, "conflicted");
      assertThat(faults.injectedConflicts()).as("the fault fired").isEqualTo(before + 1);
      assertThat(moved.getStatus().getEpoch()).as("the refused decision raised nothing: the retry took epoch 2")
          .isEqualTo(2);
      assertCommitsInItsOwnEpoch(ns, "conflicted", 2);
    } finally {
      node.heal();
    }
  }

  @Test
  void anIncarnationTheStoreFencedBehindTheOperatorsBackIsReplaced() {
    String ns = PlaygroundBed.newNamespace("superseded");
    // Checkpoints 4.5 s apart: the agent learns it is fenced only at its next one, long after the operator does.
    startOnItsOwnPool(ns, "fenced", 30);
    SessionKey key = SessionKey.of(ns, "fenced");
    long seen = bed.store().latest(key).orElseThrow().sequence();
    await().atMost(TIMEOUT).until(() -> bed.store().latest(key).orElseThrow().sequence() > seen);
    // Another writer's decision (a second operator, a restore of etcd from elsewhere) fences incarnation 1.
    bed.store().advanceEpoch(key, 5);

    AgentSession replaced = awaitRestoredIncarnation(ns, "fenced");
    assertThat(replaced.getStatus().getEpoch()).as("above the store's epoch").isEqualTo(6);
    List<MigrationRecord> history = replaced.getStatus().getMigrations();
    assertThat(history).extracting(MigrationRecord::getReason).containsExactly("Superseded");
    assertThat(history.get(0).getFromEpoch()).isEqualTo(1);
    assertCommitsInItsOwnEpoch(ns, "fenced", 6);
  }

  @Test
  void anEpochTheStoreLostIsRaisedAgainAndTheIncarnationCommitsOn() {
    String ns = PlaygroundBed.newNamespace("forgotten");
    startOnItsOwnPool(ns, "forgotten");
    SessionKey key = SessionKey.of(ns, "forgotten");
    // As after restoring etcd from a snapshot older than the session: its keys are gone.
    bed.store().deleteSession(key);

    await().atMost(TIMEOUT).until(() -> bed.store().epoch(key) == 1);
    await().atMost(TIMEOUT).until(() -> bed.store().latest(key).isPresent());
    AgentSession session = PlaygroundBed.get(ns, "forgotten");
    assertThat(session.getStatus().getEpoch()).as("the running incarnation was kept").isEqualTo(1);
    assertThat(session.getStatus().getMigrationCount()).isZero();
    assertThat(bed.store().latest(key).orElseThrow().epoch()).isEqualTo(1);
  }

  /**
   * reclaimPolicy Delete fences the session's incarnations, then removes its checkpoints but not its epoch: a
   * new session of the same name starts above every epoch of the deleted one, so none of its incarnations
   * (still stopping, or cut off) can commit into the new session.
   */
  @Test
  void aSameNameSessionAfterDeleteStartsAboveTheDeletedOnesEpochs() {
    String ns = PlaygroundBed.newNamespace("reborn");
    String pool = PlaygroundBed.newPool();
    PlaygroundBed.addNode(pool, "a");
    SessionKey key = SessionKey.of(ns, "reborn");
    AgentSession first = new StepAgentSession(STEPS, Duration.ofMillis(150), 3, "4s",
        Map.of(PlaygroundBed.POOL_LABEL, pool)).build(ns, "reborn");
    first.getSpec().getCheckpoint().setReclaimPolicy(dev.tether.api.v1alpha1.CheckpointSpec.ReclaimPolicy.Delete);
    bed.client().resource(first).create();
    PlaygroundBed.awaitSession(ns, "reborn", TIMEOUT, s -> s.getStatus().getPhase() == SessionPhase.Running
        && s.getStatus().getLastCheckpoint() != null);
    assertThat(bed.store().epoch(key)).isEqualTo(1);

    bed.client().resource(first).delete();
    await().atMost(TIMEOUT).until(() -> PlaygroundBed.get(ns, "reborn") == null
        && bed.client().persistentVolumeClaims().inNamespace(ns).withName("reborn-checkpoints").get() == null);
    assertThat(bed.store().manifests(key)).as("its checkpoints went with it").isEmpty();
    assertThat(bed.store().epoch(key)).as("epoch 1 fenced by the deletion").isEqualTo(2);

    first.getMetadata().setResourceVersion(null);
    first.getMetadata().setUid(null);
    first.setStatus(null);
    bed.client().resource(first).create();
    // What the epochs guarantee, read where they live: the successor's first incarnation took an epoch above
    // the deletion's fence, and only it commits.
    AgentSession reborn = PlaygroundBed.awaitSession(ns, "reborn", TIMEOUT, s -> s.getStatus() != null
        && s.getStatus().getEpoch() > 0);
    assertThat(reborn.getStatus().getEpoch()).as("above the deletion's fence: %s",
        io.fabric8.kubernetes.client.utils.Serialization.asYaml(reborn.getStatus())).isEqualTo(3);
    assertThat(reborn.getStatus().getPodName()).isEqualTo("reborn-3");
    assertThat(reborn.getStatus().getMigrationCount()).isZero();
    assertCommitsInItsOwnEpoch(ns, "reborn", 3);
    assertThat(bed.store().manifests(key)).extracting(Manifest::epoch).containsOnly(3L);
  }

  /**
   * A pod create refused with 403 (a quota, an admission policy) creates nothing: the session waits with
   * reason PodForbidden and creates the same epoch's pod again later; no migration is counted, no epoch burnt.
   */
  @Test
  void aForbiddenPodCreateIsRetriedWithTheSameEpoch() {
    String ns = PlaygroundBed.newNamespace("quota");
    String pool = PlaygroundBed.newPool();
    PlaygroundBed.addNode(pool, "a");
    int before = faults.injectedForbidden();
    faults.forbidNext(request -> "POST".equals(request.method())
        && request.path().endsWith("/namespaces/" + ns + "/pods"), 2);
    bed.client().resource(new StepAgentSession(STEPS, Duration.ofMillis(150), 3, "4s",
        Map.of(PlaygroundBed.POOL_LABEL, pool)).build(ns, "quota")).create();

    AgentSession held = PlaygroundBed.awaitSession(ns, "quota", TIMEOUT, s -> s.getStatus() != null
        && s.getStatus().getConditions() != null && s.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "PodForbidden".equals(c.getReason())));
    assertThat(held.getStatus().getEpoch()).isEqualTo(1);

    AgentSession running = PlaygroundBed.awaitSession(ns, "quota", TIMEOUT, s -> s.getStatus().getPhase()
        == SessionPhase.Running && s.getStatus().getLastCheckpoint() != null);
    assertThat(faults.injectedForbidden()).as("both faults fired").isEqualTo(before + 2);
    assertThat(running.getStatus().getEpoch()).isEqualTo(1);
    assertThat(running.getStatus().getPodName()).isEqualTo("quota-1");
    assertThat(running.getStatus().getMigrationCount()).isZero();
    assertCommitsInItsOwnEpoch(ns, "quota", 1);
  }

  private SimulatedNode startOnItsOwnPool(String ns, String name) {
    return startOnItsOwnPool(ns, name, 3);
  }

  private SimulatedNode startOnItsOwnPool(String ns, String name, int checkpointEvery) {
    String pool = PlaygroundBed.newPool();
    SimulatedNode first = PlaygroundBed.addNode(pool, "a");
    PlaygroundBed.addNode(pool, "b");
    bed.client().resource(new StepAgentSession(STEPS, Duration.ofMillis(150), checkpointEvery, "4s",
        Map.of(PlaygroundBed.POOL_LABEL, pool)).build(ns, name)).create();
    AgentSession running = PlaygroundBed.awaitSession(ns, name, TIMEOUT, s -> s.getStatus().getPhase()
        == SessionPhase.Running && s.getStatus().getLastCheckpoint() != null);
    return first.name().equals(running.getStatus().getNodeName()) ? first
        : bed.nodes().node(running.getStatus().getNodeName());
  }

  /** Running again in a later incarnation, which restored (its supervisor was not fenced at startup). */
  private static AgentSession awaitRestoredIncarnation(String ns, String name) {
    return PlaygroundBed.awaitSession(ns, name, TIMEOUT, s -> s.getStatus().getPhase() == SessionPhase.Running
        && s.getStatus().getEpoch() > 1 && s.getStatus().getRestoredFrom() != null
        && s.getStatus().getRestoredFrom().getEpoch() == s.getStatus().getEpoch());
  }

  /** The store holds exactly this epoch, and the incarnation of this epoch commits. */
  private void assertCommitsInItsOwnEpoch(String ns, String name, long epoch) {
    SessionKey key = SessionKey.of(ns, name);
    assertThat(bed.store().epoch(key)).isEqualTo(epoch);
    await().atMost(TIMEOUT).until(() -> bed.store().latest(key).map(Manifest::epoch).orElse(0L) == epoch);
  }

  /** The status write of a migration's Restoring step: the one that takes the new epoch. */
  private static Predicate<ApiFaultProxy.Request> epochWrite(String ns, String name) {
    String path = "/namespaces/" + ns + "/agentsessions/" + name + "/status";
    return request -> "PUT".equals(request.method()) && request.path().endsWith(path)
        && RESTORING.matcher(request.body()).find();
  }
}
