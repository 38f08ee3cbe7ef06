package dev.tether.operator.controller;

import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.CheckpointSpec.AccessMode;
import dev.tether.api.v1alpha1.FailoverSpec;
import dev.tether.api.v1alpha1.Migration;
import dev.tether.api.v1alpha1.MigrationRecord;
import dev.tether.api.v1alpha1.MigrationStep;
import dev.tether.api.v1alpha1.SessionPhase;
import dev.tether.operator.events.EventRecorder;
import dev.tether.operator.failover.FenceResult;
import dev.tether.operator.failover.Fencer;
import dev.tether.operator.failover.MigrationRateLimiter;
import dev.tether.operator.failover.NodeFailure;
import dev.tether.operator.failover.VolumeGate;
import dev.tether.operator.dependent.SessionLabels;
import dev.tether.operator.pod.IncarnationCause;
import dev.tether.operator.pod.PodView;
import dev.tether.operator.pod.PodWriter;
import dev.tether.operator.support.Durations;
import dev.tether.operator.support.Times;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The migration state machine, persisted in status.migration so a restarted operator resumes it:
 *
 * <pre>
 *   Detected -> Fencing -> WaitingForVolume -> Rescheduling -> Restoring -> (Running, history)
 *                  |              |                  |             |
 *               waits for      waits for         waits for      waits for the new pod to be Ready;
 *               old pod gone   RWO detach        backoff and    a loss here starts a new migration
 *                                                rate limit
 * </pre>
 *
 * Each step is idempotent and re-evaluated from what the cluster shows; a pass walks as many steps as it
 * can and stops at the first that must wait. The epoch is written to status, then raised in the store, before
 * the new pod exists (see {@link IncarnationStarter}), so an interrupted pass never yields two pods of one
 * epoch or a reused epoch.
 */
public final class MigrationStateMachine {
  private static final Duration RECHECK = Duration.ofSeconds(2);

  private final Fencer fencer;
  private final Function<AgentSession, Set<String>> failedNodes;
  /** Null without a checkpoint store: planned moves then go ahead without a final checkpoint. */
  private final FinalCheckpoint finalCheckpoint;
  private final VolumeGate volumes;
  private final IncarnationStarter starter;
  private final EventRecorder events;
  private final MigrationRateLimiter rateLimiter;
  private final BiFunction<AgentSession, String, Optional<NodeFailure>> nodeFailureOf;
  private final int historyLimit;
  private final StartupWatch startup;
  private final RollbackRequests rollbacks;

  public MigrationStateMachine(Fencer fencer, VolumeGate volumes, IncarnationStarter starter, EventRecorder events,
      MigrationRateLimiter rateLimiter, BiFunction<AgentSession, String, Optional<NodeFailure>> nodeFailureOf,
      Function<AgentSession, Set<String>> failedNodes, FinalCheckpoint finalCheckpoint, int historyLimit,
      Duration startupTimeout, RollbackRequests rollbacks) {
    this.rollbacks = rollbacks;
    this.failedNodes = failedNodes;
    this.finalCheckpoint = finalCheckpoint;
    this.fencer = fencer;
    this.volumes = volumes;
    this.starter = starter;
    this.events = events;
    this.rateLimiter = rateLimiter;
    this.nodeFailureOf = nodeFailureOf;
    this.historyLimit = historyLimit;
    this.startup = new StartupWatch(startupTimeout, events);
  }

  /** Records the loss and starts a migration (step Detected), unless the session used up its migrations. */
  public void begin(Reconciliation r, Loss loss, Pod lostPod) {
    var status = r.status();
    FailoverSpec failover = r.session().getSpec().getFailover();
    Long rollbackTo = Loss.ROLLBACK.equals(loss.reason()) ? r.session().getSpec().getRollback().getToSequence() : null;
    if (status.getMigration() != null) {
      // The incarnation this migration started was lost before it became Ready. It still counts: else a
      // pod that never gets Ready would be replaced again and again, without backoff and without limit.
      Migration interrupted = status.getMigration();
      if (rollbackTo == null) {
        // Its rollback was not done (a supervisor takes commits only once ready): the next one does it.
        rollbackTo = interrupted.getRollbackTo();
      }
      addToHistory(r, interrupted, lostPod != null ? PodView.node(lostPod) : status.getNodeName(), null);
      status.setMigration(null);
    }
    int recent = loss.planned() ? 0 : migrationsInWindow(r);
    if (!loss.planned() && recent >= failover.getMaxMigrations()) {
      status.setMigration(null);
      status.setPhase(SessionPhase.Failed);
      // A failed session keeps no incarnation: the lost one must not come back and commit when its node does.
      Pod lost = lostPod != null ? lostPod : r.pod(status.getPodName()).orElse(null);
      FenceResult fenced = fencer.fence(lost, failover.getFencing(),
          lost == null ? Optional.empty() : nodeFailureOf.apply(r.session(), PodView.node(lost)));
      String message = "lost incarnation " + status.getEpoch() + " (" + loss.reason() + ": " + loss.message()
          + ") after " + recent + " migrations within " + failover.getMigrationWindow()
          + "; maxMigrations is " + failover.getMaxMigrations()
          + (fenced.fenced() ? "" : "; not fenced yet: " + fenced.waitingFor());
      r.ready("MigrationLimitReached", message);
      r.degraded("MigrationLimitReached", message);
      events.warning(r.session(), "MigrationLimitReached", message);
      return;
    }
    loss.nodeFailure().ifPresent(f -> r.detected(Duration.between(f.lastSeen(), r.now())));
    Migration m = new Migration();
    m.setStep(MigrationStep.Detected);
    m.setReason(loss.reason());
    m.setFromPod(lostPod != null ? lostPod.getMetadata().getName() : status.getPodName());
    m.setFromNode(lostPod != null && PodView.node(lostPod) != null ? PodView.node(lostPod) : status.getNodeName());
    m.setFromEpoch(status.getEpoch());
    m.setRollbackTo(rollbackTo);
    m.setDetectedAt(r.nowText());
    Duration backoff = backoff(failover, recent);
    m.setNotBefore(Times.formatMillis(r.now().plus(backoff)));
    status.setMigration(m);
    status.setPhase(SessionPhase.Migrating);
    String incarnation = "incarnation " + status.getEpoch() + " (pod " + m.getFromPod() + " on " + m.getFromNode() + ")";
    if (loss.planned()) {
      events.normal(r.session(), loss.reason(), incarnation + " moves: " + loss.message());
    } else {
      events.warning(r.session(), loss.nodeBased() ? loss.nodeFailure().get().reason().name() : loss.reason(),
          incarnation + " lost: " + loss.message()
              + (backoff.isZero() ? "" : "; next incarnation not before " + backoff.toSeconds() + "s"));
    }
  }

  /** Walks the migration as far as it can go now. */
  public void advance(Reconciliation r) {
    var status = r.status();
    AgentSession session = r.session();
    while (status.getMigration() != null) {
      Migration m = status.getMigration();
      status.setPhase(SessionPhase.Migrating);
      switch (m.getStep()) {
        case Detected -> m.setStep(MigrationStep.Fencing);
        case Fencing -> {
          if (Loss.DRAIN.equals(m.getReason()) && !finalCheckpointWritten(r, m)) {
            return;
          }
          Pod old = r.pod(m.getFromPod()).orElse(null);
          Optional<NodeFailure> failure = nodeFailureOf.apply(session, m.getFromNode());
          FenceResult result = fencer.fence(old, session.getSpec().getFailover().getFencing(), failure);
          if (!result.fenced()) {
            waiting(r, "Fencing", result.waitingFor());
            if (session.getSpec().getFailover().getFencing() == FailoverSpec.FencingPolicy.Manual && failure.isPresent()) {
              r.degraded("FencingBlocked", result.waitingFor());
            }
            r.wakeIn(Duration.ofSeconds(5));
            return;
          }
          m.setFencedAt(r.nowText());
          m.setStep(MigrationStep.WaitingForVolume);
        }
        case WaitingForVolume -> {
          if (!volumeReleased(r, m)) {
            return;
          }
          m.setVolumeReleasedAt(r.nowText());
          m.setStep(MigrationStep.Rescheduling);
        }
        case Rescheduling -> {
          Instant notBefore = Times.parse(m.getNotBefore());
          if (notBefore != null && r.now().isBefore(notBefore)) {
            waiting(r, "Backoff", "next incarnation not before " + m.getNotBefore());
            r.wakeIn(Duration.between(r.now(), notBefore));
            return;
          }
          // Read first: if the store is down nothing moves on, and no rate-limit token is spent.
          long epoch = starter.nextEpoch(r);
          Duration wait = rateLimiter.acquire(session.getMetadata().getNamespace() + "/"
              + session.getMetadata().getName());
          if (!wait.isZero()) {
            waiting(r, "RateLimited", "cluster-wide migration rate limit");
            r.wakeIn(wait);
            return;
          }
          rollbacks.confirm(r, m);
          m.setRescheduledAt(r.nowText());
          m.setStep(MigrationStep.Restoring);
          waiting(r, "Restoring", restoringMessage(m));
          starter.start(r, epoch, cause(m), avoid(r, m));
          return;
        }
        case Restoring -> {
          restoring(r, m);
          return;
        }
        default -> throw new IllegalStateException("unknown step " + m.getStep());
      }
    }
  }

  private void restoring(Reconciliation r, Migration m) {
    var status = r.status();
    if (status.getEpoch() <= m.getFromEpoch()) {
      // Never recreate a pod for the lost epoch: go back and reserve a new one.
      m.setStep(MigrationStep.Rescheduling);
      advance(r);
      return;
    }
    Optional<Pod> pod = r.pod(status.getPodName());
    if (pod.isEmpty() && Optional.ofNullable(r.context().getClient().pods()
        .inNamespace(r.session().getMetadata().getNamespace()).withName(status.getPodName()).get())
        .filter(p -> PodWriter.ownedBy(p, r.session())).isEmpty()) {
      // Not created (an earlier pass stopped after the status write) or already gone: a pod of this epoch may
      // still run somewhere, so its epoch is never used again.
      m.setStep(MigrationStep.Rescheduling);
      advance(r);
      return;
    }
    if (pod.isEmpty()) {
      waiting(r, "Restoring", restoringMessage(m)); // created by an earlier pass; the cache has not seen it yet
      return;
    }
    Pod p = pod.get();
    if (!PodView.isReady(p)) {
      Optional<String> unschedulable = PodView.unschedulableMessage(p);
      if (unschedulable.isPresent()) {
        waiting(r, "Unschedulable", "no healthy node fits pod " + p.getMetadata().getName() + ": "
            + unschedulable.get());
        r.degraded("Unschedulable", unschedulable.get());
      } else {
        waiting(r, "Restoring", startup.check(r, p, restoringMessage(m)));
      }
      return;
    }
    status.setNodeName(PodView.node(p));
    addToHistory(r, m, PodView.node(p), r.nowText());
    status.setMigration(null);
    status.setPhase(SessionPhase.Running);
    r.running("incarnation " + status.getEpoch() + " is running on " + PodView.node(p));
    Duration took = Duration.between(Times.parse(m.getDetectedAt()), r.now());
    events.normal(r.session(), "Migrated", "moved from " + m.getFromNode() + " (epoch " + m.getFromEpoch() + ") to "
        + PodView.node(p) + " (epoch " + status.getEpoch() + ") after " + m.getReason() + " in "
        + took.toMillis() + " ms from detection");
  }

  /** Records a migration that produced an incarnation; runningAt is null when that one never got Ready. */
  private void addToHistory(Reconciliation r, Migration m, String toNode, String runningAt) {
    var status = r.status();
    MigrationRecord record = new MigrationRecord();
    record.setReason(m.getReason());
    record.setFromNode(m.getFromNode());
    record.setToNode(toNode);
    record.setFromEpoch(m.getFromEpoch());
    record.setToEpoch(status.getEpoch());
    record.setDetectedAt(m.getDetectedAt());
    record.setFencedAt(m.getFencedAt());
    record.setRunningAt(runningAt);
    record.setFinalCheckpoint(m.getFinalCheckpoint());
    List<MigrationRecord> history = new ArrayList<>(status.getMigrations() == null ? List.of() : status.getMigrations());
    history.add(record);
    int keep = Math.max(historyLimit, r.session().getSpec().getFailover().getMaxMigrations());
    status.setMigrations(new ArrayList<>(history.subList(Math.max(0, history.size() - keep), history.size())));
    status.setMigrationCount(status.getMigrationCount() + 1);
  }

  private boolean volumeReleased(Reconciliation r, Migration m) {
    AgentSession session = r.session();
    if (m.getFromNode() == null) {
      return true;
    }
    PersistentVolumeClaim claim = currentClaim(r).orElse(null);
    if (nodeUnavailable(r, m.getFromNode()) && volumes.localTo(claim, m.getFromNode())) {
      return localVolumeLeftBehind(r, m, claim);
    }
    if (session.getSpec().getCheckpoint().getAccessMode() != AccessMode.ReadWriteOnce) {
      return true;
    }
    // Any node, not only the lost one: a pod of an older incarnation may have held it elsewhere, and the new pod
    // would wait on a Multi-Attach error with nothing in status saying why.
    var stuck = volumes.attachments(claim);
    if (stuck.isEmpty()) {
      return true;
    }
    List<String> on = stuck.stream().map(va -> va.getSpec().getNodeName()).distinct().sorted().toList();
    String nodes = String.join(", ", on);
    if (volumes.replaceable(session) && on.stream().anyMatch(n -> nodeFailureOf.apply(session, n).isPresent())) {
      // The node is gone and the object store has what the volume has: restore from there into a fresh volume
      // instead of waiting minutes for the detach. A live node's volume detaches by itself in seconds.
      replaceVolume(r, m, claim, "is still attached to failed node " + nodes);
      return true;
    }
    Duration timeout = Durations.parse(session.getSpec().getFailover().getVolumeDetachTimeout());
    Instant since = Times.parse(m.getFencedAt());
    if (since != null && since.plus(timeout).isBefore(r.now())) {
      String message = "volume " + claim.getSpec().getVolumeName() + " is still attached to " + nodes
          + " " + Duration.between(since, r.now()).toSeconds() + "s after fencing (timeout "
          + session.getSpec().getFailover().getVolumeDetachTimeout() + ")";
      var detachable = stuck.stream().filter(va -> volumes.mayForceDetachFrom(va.getSpec().getNodeName())).toList();
      if (!detachable.isEmpty()) {
        volumes.forceDetach(detachable);
        events.warning(session, "VolumeForceDetached", message + "; deleted its VolumeAttachment"
            + (detachable.size() == 1 ? "" : "s") + " to " + String.join(", ", detachable.stream()
                .map(va -> va.getSpec().getNodeName()).distinct().sorted().toList()));
      }
      if (detachable.size() < stuck.size()) {
        r.degraded("VolumeStuck", message);
      }
      waiting(r, "WaitingForVolume", message);
      r.wakeIn(Duration.ofSeconds(5));
      return false;
    }
    waiting(r, "WaitingForVolume", "waiting for volume " + claim.getSpec().getVolumeName() + " to detach from "
        + nodes);
    r.wakeIn(since == null ? RECHECK : Duration.between(r.now(), since.plus(timeout)).plusMillis(100));
    return false;
  }

  /**
   * The volume can be mounted on the lost node only: with the object-store tier the next incarnation restores
   * into a fresh volume elsewhere; without it the session waits for the node, as nothing else holds its context.
   */
  private boolean localVolumeLeftBehind(Reconciliation r, Migration m, PersistentVolumeClaim claim) {
    String where = "can be mounted on node " + m.getFromNode() + " only (its volume's node affinity)";
    if (volumes.replaceable(r.session())) {
      replaceVolume(r, m, claim, where);
      return true;
    }
    String message = "volume " + claim.getSpec().getVolumeName() + " (claim " + claim.getMetadata().getName() + ") "
        + where + ": the session resumes when that node is back; with spec.checkpoint.objectStore it would "
        + "restore elsewhere";
    r.degraded("VolumeStuck", message);
    waiting(r, "WaitingForVolume", message);
    r.wakeIn(Duration.ofSeconds(30));
    return false;
  }

  private void replaceVolume(Reconciliation r, Migration m, PersistentVolumeClaim claim, String why) {
    AgentSession session = r.session();
    String fresh = volumes.replace(session, claim, m.getFromEpoch());
    r.status().setVolumeClaim(fresh);
    events.warning(session, "VolumeReplaced", "volume " + claim.getSpec().getVolumeName() + " (claim "
        + claim.getMetadata().getName() + ") " + why + "; the next incarnation restores from the object store into a "
        + "fresh volume, claim " + fresh + " (reclaimPolicy " + session.getSpec().getCheckpoint().getReclaimPolicy()
        + " applies to the old one)");
  }

  private static void waiting(Reconciliation r, String reason, String message) {
    r.ready("Migrating", message);
    r.progressing(reason, message);
  }

  /** Planned move: the old incarnation first gets the chance to write a final checkpoint (time-boxed). */
  private boolean finalCheckpointWritten(Reconciliation r, Migration m) {
    if (finalCheckpoint == null) {
      if (m.getFinalCheckpoint() == null) {
        m.setFinalCheckpoint("no checkpoint store configured");
      }
      return true;
    }
    Optional<Duration> wait = finalCheckpoint.await(r, m);
    if (wait.isEmpty()) {
      return true;
    }
    waiting(r, "FinalCheckpoint", "node " + m.getFromNode() + " is being drained: waiting up to "
        + r.session().getSpec().getFailover().getDrainCheckpointTimeout() + " for a final checkpoint of incarnation "
        + m.getFromEpoch() + " before the move");
    r.wakeIn(wait.get().compareTo(Duration.ofSeconds(1)) < 0 ? wait.get() : Duration.ofSeconds(1));
    return false;
  }

  /**
   * The same text from the epoch write until the new pod is Ready, so that scheduling and starting the new
   * pod cause no status write of their own: a migration costs two status writes.
   */
  private static String restoringMessage(Migration m) {
    return "replacing incarnation " + m.getFromEpoch() + " (" + m.getReason() + " on " + m.getFromNode()
        + "): waiting for the new pod to restore its checkpoint and become Ready";
  }

  private static IncarnationCause cause(Migration m) {
    return new IncarnationCause(m.getReason(), m.getFromPod(), m.getFromNode(), m.getRollbackTo());
  }

  /**
   * Nodes the new incarnation must not land on: the node it left when that node failed or is being drained,
   * and every other node that currently looks failed (before the node lifecycle controller taints a dead
   * node, the scheduler may still pick it, and the session would bounce from one dead node to the next).
   * A pod deleted or evicted on a healthy node may come back to it.
   */
  private Set<String> avoid(Reconciliation r, Migration m) {
    Set<String> avoid = new java.util.TreeSet<>(failedNodes.apply(r.session()));
    String from = m.getFromNode();
    // Unless its node is back and the session's volume can be mounted there only (read only in that rare case).
    if (from != null && lostWithItsNode(m)
        && (nodeUnavailable(r, from) || !currentClaim(r).map(c -> volumes.localTo(c, from)).orElse(false))) {
      avoid.add(from);
    }
    return avoid;
  }

  /** The session's checkpoint claim as the cache has it (a replacement one once the volume was replaced). */
  private static Optional<PersistentVolumeClaim> currentClaim(Reconciliation r) {
    String claimName = SessionLabels.claimName(r.session());
    return r.context().getSecondaryResources(PersistentVolumeClaim.class).stream()
        .filter(c -> claimName.equals(c.getMetadata().getName())).findFirst();
  }

  /** The incarnation was lost with its node (failed, or drained): the next one goes elsewhere. */
  private static boolean lostWithItsNode(Migration m) {
    return Loss.DRAIN.equals(m.getReason()) || java.util.Arrays.stream(NodeFailure.Reason.values())
        .anyMatch(reason -> reason.name().equals(m.getReason()));
  }

  /** Whether the node can take no pod now: failed, cordoned (drained) or gone. */
  private boolean nodeUnavailable(Reconciliation r, String node) {
    return nodeFailureOf.apply(r.session(), node).isPresent() || volumes.takesNoPods(node);
  }

  private static int migrationsInWindow(Reconciliation r) {
    var history = r.status().getMigrations();
    if (history == null) {
      return 0;
    }
    Instant since = r.now().minus(Durations.parse(r.session().getSpec().getFailover().getMigrationWindow()));
    return (int) history.stream()
        .filter(h -> !Loss.isPlanned(h.getReason()))
        .filter(h -> h.getDetectedAt() != null && Times.parse(h.getDetectedAt()).isAfter(since))
        .count();
  }

  private static Duration backoff(FailoverSpec failover, int recent) {
    if (recent == 0) {
      return Duration.ZERO;
    }
    Duration initial = Durations.parse(failover.getInitialBackoff());
    Duration max = Durations.parse(failover.getMaxBackoff());
    Duration d = initial.multipliedBy(1L << Math.min(recent - 1, 20));
    return d.compareTo(max) > 0 ? max : d;
  }
}
