package dev.tether.operator.controller;

import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.LifecycleSpec;
import dev.tether.api.v1alpha1.SessionPhase;
import dev.tether.operator.events.EventRecorder;
import dev.tether.operator.failover.FailureDetector;
import dev.tether.operator.failover.NodeFailure;
import dev.tether.operator.pod.IncarnationCause;
import dev.tether.operator.pod.PodView;
import dev.tether.operator.pod.PodWriter;
import dev.tether.operator.pod.SessionPodFactory;
import dev.tether.operator.pod.SupervisorStop;
import dev.tether.operator.status.Conditions;
import dev.tether.operator.support.Durations;
import dev.tether.operator.support.Times;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Decides, for one pass, what a valid session needs: start its first incarnation, follow the current one,
 * notice that it is lost (and hand over to the migration state machine), finish, suspend or resume.
 */
public final class SessionLifecycle {
  private static final Duration GUARD_RECHECK = Duration.ofSeconds(5);

  private final MigrationStateMachine migrations;
  private final IncarnationStarter starter;
  private final PodWriter pods;
  private final SessionPodFactory factory;
  private final EventRecorder events;
  private final FailureDetector detector;
  private final BiFunction<AgentSession, String, Optional<NodeFailure>> nodeFailure;
  /** Why a node is about to go away in a planned way (cordon, autoscaler taints), if it is. */
  private final Function<String, Optional<String>> disruption;
  /** An eviction attempt on this pod that the eviction webhook saw, if there was one. */
  private final BiFunction<AgentSession, Pod, Optional<String>> evictionRequested;
  private final SupervisorStop supervisorStop;
  private final StartupWatch startup;
  private final SessionEdits edits;
  private final RollbackRequests rollbacks;

  public SessionLifecycle(MigrationStateMachine migrations, IncarnationStarter starter, PodWriter pods,
      SessionPodFactory factory, EventRecorder events, FailureDetector detector,
      BiFunction<AgentSession, String, Optional<NodeFailure>> nodeFailure,
      Function<String, Optional<String>> disruption,
      BiFunction<AgentSession, Pod, Optional<String>> evictionRequested, SupervisorStop supervisorStop,
      Duration startupTimeout, SessionEdits edits, RollbackRequests rollbacks) {
    this.edits = edits;
    this.rollbacks = rollbacks;
    this.migrations = migrations;
    this.starter = starter;
    this.pods = pods;
    this.factory = factory;
    this.events = events;
    this.detector = detector;
    this.nodeFailure = nodeFailure;
    this.disruption = disruption;
    this.evictionRequested = evictionRequested;
    this.supervisorStop = supervisorStop;
    this.startup = new StartupWatch(startupTimeout, events);
  }

  public void reconcile(Reconciliation r) {
    var status = r.status();
    AgentSession session = r.session();
    if (status.getPhase() == SessionPhase.Failed) {
      if (generationUnchanged(r)) {
        // Keep the message of the pass that failed the session: it says which loss used up the limit.
        String why = Conditions.find(status.getConditions(),
                Conditions.DEGRADED)
            .filter(c -> "MigrationLimitReached".equals(c.getReason()))
            .map(Condition::getMessage)
            .orElse("the session used up its migrations");
        r.ready("MigrationLimitReached", why + "; change its spec to start it again");
        r.degraded("MigrationLimitReached", why);
        return;
      }
      status.setPhase(null);
      status.setMigrations(null);
    }
    status.setObservedGeneration(session.getMetadata().getGeneration());
    if (session.getSpec().isSuspend()) {
      suspend(r);
      return;
    }
    removeStrays(r);
    if (status.getPhase() == SessionPhase.Succeeded) {
      r.ready("Completed", "the agent finished");
      // Until the supervisor has exited (it may have missed the request while the store was away).
      r.pod(status.getPodName()).filter(PodView::supervisorRunning)
          .ifPresent(pod -> supervisorStop.request(session, status.getEpoch()));
      expireIfDue(r);
      return;
    }
    if (status.getMigration() != null) {
      Optional<Pod> current = r.pod(status.getPodName());
      Optional<Loss> lost = status.getEpoch() > status.getMigration().getFromEpoch()
          ? current.flatMap(p -> loss(r, p)) : Optional.empty();
      if (lost.isPresent() && !heldByGuard(r, lost.get())) {
        migrations.begin(r, lost.get(), current.get());
      }
      migrations.advance(r);
      return;
    }
    if (status.getEpoch() == 0 || status.getPhase() == SessionPhase.Suspended) {
      boolean resumed = status.getPhase() == SessionPhase.Suspended;
      startIncarnation(r, resumed ? new IncarnationCause(IncarnationCause.RESUMED, status.getPodName(),
          status.getNodeName()) : IncarnationCause.firstStart());
      if (resumed) {
        events.normal(session, "Resumed", "resumed with incarnation " + status.getEpoch());
      } else {
        events.normal(session, "Started", "started incarnation " + status.getEpoch());
      }
      return;
    }
    Optional<Pod> current = r.pod(status.getPodName());
    if (current.isEmpty()) {
      // The cache may not have seen a pod created a moment ago: ask the apiserver before calling it lost.
      current = pods.fetch(session, status.getPodName());
    }
    if (current.isEmpty() && forbiddenBefore(r)
        && starter.retryForbidden(r, new IncarnationCause(IncarnationCause.RESUMED, status.getPodName(), null))) {
      r.ready("Pending", "created pod " + status.getPodName() + " again after its create was forbidden");
      r.progressing("Starting", "incarnation " + status.getEpoch() + " is starting");
      return;
    }
    if (current.isEmpty() && neverOnANode(r)) {
      startAgain(r);
      return;
    }
    if (current.isEmpty()) {
      lose(r, new Loss(Loss.POD_DELETED, "pod " + status.getPodName() + " disappeared", Optional.empty()), null);
      return;
    }
    Pod pod = current.get();
    if (PodView.hasFinished(pod)) {
      if (PodView.supervisorRunning(pod)) {
        supervisorStop.request(session, status.getEpoch());
      }
      status.setPhase(SessionPhase.Succeeded);
      r.ready("Completed", "the agent finished (pod " + pod.getMetadata().getName() + " succeeded)");
      events.normal(session, "Completed", "the agent finished in incarnation " + status.getEpoch());
      return;
    }
    if (PodView.isTerminating(pod) && PodView.node(pod) == null && neverOnANode(r)) {
      startAgain(r); // being removed before it was ever scheduled: it can never run
      return;
    }
    Optional<Loss> lost = loss(r, pod);
    if (lost.isPresent()) {
      if (!heldByGuard(r, lost.get())) {
        lose(r, lost.get(), pod);
      }
      return;
    }
    status.setNodeName(PodView.node(pod));
    if (PodView.isReady(pod)) {
      status.setPhase(SessionPhase.Running);
      r.running("incarnation " + status.getEpoch() + " is running on " + PodView.node(pod));
      suspendIfIdle(r);
    } else {
      status.setPhase(SessionPhase.Pending);
      Optional<String> unschedulable = PodView.unschedulableMessage(pod);
      r.ready("Pending", unschedulable.map(m -> "no node fits: " + m)
          .orElseGet(() -> startup.check(r, pod, "waiting for pod " + pod.getMetadata().getName()
              + " to become Ready")));
      r.progressing("Starting", "incarnation " + status.getEpoch() + " is starting");
      unschedulable.ifPresent(m -> r.degraded("Unschedulable", m));
    }
  }

  private Optional<Loss> loss(Reconciliation r, Pod pod) {
    String name = pod.getMetadata().getName();
    var superseded = starter.superseded(r);
    if (superseded.isPresent()) {
      return Optional.of(new Loss(Loss.SUPERSEDED, "the checkpoint store holds epoch " + superseded.getAsLong()
          + ", above incarnation " + r.status().getEpoch() + " (pod " + name + "), which can never commit again",
          Optional.empty()));
    }
    if (PodView.hasFailed(pod)) {
      return Optional.of(PodView.wasEvicted(pod)
          ? new Loss(Loss.EVICTED, "pod " + name + " was evicted: " + pod.getStatus().getMessage(), Optional.empty())
          : new Loss(Loss.POD_FAILED, "pod " + name + " failed", Optional.empty()));
    }
    Optional<NodeFailure> failure = nodeFailure.apply(r.session(), PodView.node(pod));
    if (failure.isPresent()) {
      return Optional.of(new Loss(failure.get().reason().name(), failure.get().message(), failure));
    }
    if (PodView.isTerminating(pod)) {
      return Optional.of(new Loss(Loss.POD_DELETED, "pod " + name + " is being deleted", Optional.empty()));
    }
    Optional<String> planned = PodView.node(pod) == null ? Optional.empty() : disruption.apply(PodView.node(pod));
    if (planned.isEmpty()) {
      planned = evictionRequested.apply(r.session(), pod);
    }
    if (planned.isPresent()) {
      return Optional.of(new Loss(Loss.DRAIN, planned.get(), Optional.empty()));
    }
    String hash = pod.getMetadata().getAnnotations() == null ? null
        : pod.getMetadata().getAnnotations().get(SessionPodFactory.ANNOTATION_TEMPLATE_HASH);
    if (hash != null && !hash.equals(factory.templateHash(r.session()))) {
      return Optional.of(new Loss(Loss.SPEC_CHANGED, "the pod template changed; restarting with a checkpoint",
          Optional.empty()));
    }
    // Not in the middle of another move (it goes on after that one), unless that move is a rollback itself: a
    // new request replaces one whose incarnation could not restore its checkpoint.
    var migration = r.status().getMigration();
    if (migration == null || migration.getRollbackTo() != null) {
      return rollbacks.pending(r);
    }
    return Optional.empty();
  }

  private boolean heldByGuard(Reconciliation r, Loss loss) {
    if (!loss.nodeBased() || !detector.isBlindFor(r.session())) {
      return false;
    }
    String message = "node " + loss.nodeFailure().get().node() + " looks failed, but so do "
        + detector.failedNodesFor(r.session())
        + " nodes: the operator may be cut off from the cluster; no migration until this clears";
    if (!r.status().getConditions().stream().anyMatch(c -> "MassFailureGuard".equals(c.getReason()))) {
      events.warning(r.session(), "MassFailureGuard", message);
    }
    r.ready(r.status().getPhase() == SessionPhase.Running ? "NodeUnreachable" : "Pending", message);
    r.degraded("MassFailureGuard", message);
    r.wakeIn(GUARD_RECHECK);
    return true;
  }

  /**
   * Pods of older incarnations that are neither the one a migration is fencing nor already stopping: left by
   * an interrupted pass, or by a deletion that did not go through. The store refuses their commits, but they
   * may still run and touch the volume. A pod of a later epoch than status is never touched: that is this
   * pass's view lagging behind, not a stray.
   */
  private void removeStrays(Reconciliation r) {
    var status = r.status();
    String fencing = status.getMigration() == null ? null : status.getMigration().getFromPod();
    for (Pod pod : r.pods()) {
      long epoch = PodView.epoch(pod);
      if (epoch > 0 && epoch < status.getEpoch() && !pod.getMetadata().getName().equals(fencing)
          && !PodView.isTerminating(pod)) {
        pods.remove(pod, nodeFailure.apply(r.session(), PodView.node(pod)).isPresent());
        events.normal(r.session(), "StrayRemoved", "removed pod " + pod.getMetadata().getName() + " of incarnation "
            + epoch + ", older than the current " + status.getEpoch());
      }
    }
  }

  /**
   * The current incarnation's pod is gone before any pass saw it on a node: its create never happened (an
   * interrupted pass, a failed create, a pod the apiserver refused before a spec fix) or it was removed while
   * still unscheduled. Nothing of it ran that a pass knew of, so this is another start, not a migration: no
   * Warning, no history record, nothing counted against maxMigrations. Its epoch is never used again (a pod of
   * it may still exist where this pass cannot see it).
   */
  private void startAgain(Reconciliation r) {
    var status = r.status();
    String gone = status.getPodName();
    long before = status.getEpoch();
    startIncarnation(r, new IncarnationCause(IncarnationCause.STARTED_AGAIN, gone, null));
    events.normal(r.session(), "StartedAgain", "pod " + gone + " of incarnation " + before
        + " never reached a node and is gone: started incarnation " + status.getEpoch());
  }

  /** A new incarnation outside a migration (first start, resume, start again): nothing of the last one to fence. */
  private void startIncarnation(Reconciliation r, IncarnationCause cause) {
    long epoch = starter.nextEpoch(r);
    r.status().setPhase(SessionPhase.Pending);
    r.ready("Pending", "starting incarnation " + epoch);
    r.progressing("Starting", "starting incarnation " + epoch);
    starter.start(r, epoch, cause, Set.of());
  }

  /** No pass has seen the current incarnation's pod on a node: it is still starting, as far as status knows. */
  private static boolean neverOnANode(Reconciliation r) {
    return r.status().getPhase() == SessionPhase.Pending && r.status().getNodeName() == null;
  }

  private void lose(Reconciliation r, Loss loss, Pod pod) {
    migrations.begin(r, loss, pod);
    migrations.advance(r);
  }

  private void suspend(Reconciliation r) {
    var status = r.status();
    status.setMigration(null);
    var remaining = r.pods();
    for (Pod pod : remaining) {
      pods.remove(pod, nodeFailure.apply(r.session(), PodView.node(pod)).isPresent());
    }
    if (remaining.isEmpty()) {
      if (status.getPhase() != SessionPhase.Suspended) {
        events.normal(r.session(), "Suspended", "pod removed; volume and checkpoints kept");
      }
      status.setPhase(SessionPhase.Suspended);
      status.setNodeName(null);
      r.ready("Suspended", "spec.suspend is true; volume and checkpoints are kept");
    } else {
      r.ready("Suspending", "waiting for " + remaining.size() + " pod(s) to stop");
      r.progressing("Suspending", "stopping the pod");
    }
  }

  /**
   * spec.lifecycle.idleTimeout: no checkpoint since the later of the last one and the incarnation's start. The
   * operator sets spec.suspend as a user would, so resuming is the same for both.
   */
  private void suspendIfIdle(Reconciliation r) {
    String idle = r.session().getSpec().getLifecycle().getIdleTimeout();
    if (idle == null || idle.isBlank()) {
      return;
    }
    Duration timeout = Durations.parse(idle);
    Instant since = latest(readySince(r),
        r.status().getLastCheckpoint() == null ? null : Times.parse(
            r.status().getLastCheckpoint().getTime()));
    if (since == null) {
      return;
    }
    Duration left = Duration.between(r.now(), since.plus(timeout));
    if (!left.isNegative() && !left.isZero()) {
      r.wakeIn(left);
      return;
    }
    edits.suspend(r.session());
    events.normal(r.session(), "IdleSuspended", "no checkpoint for " + idle + " (spec.lifecycle.idleTimeout): "
        + "suspended, volume and checkpoints kept; set spec.suspend to false to resume");
  }

  /** spec.lifecycle.ttlAfterFinished: a Succeeded session is deleted or suspended once it has passed. */
  private void expireIfDue(Reconciliation r) {
    var lifecycle = r.session().getSpec().getLifecycle();
    if (lifecycle.getTtlAfterFinished() == null || lifecycle.getTtlAfterFinished().isBlank()) {
      return;
    }
    Instant finished = readySince(r);
    if (finished == null) {
      return;
    }
    Duration left = Duration.between(r.now(),
        finished.plus(Durations.parse(lifecycle.getTtlAfterFinished())));
    if (!left.isNegative() && !left.isZero()) {
      r.wakeIn(left);
      return;
    }
    String why = "finished " + lifecycle.getTtlAfterFinished() + " ago (spec.lifecycle.ttlAfterFinished)";
    if (lifecycle.getAfterFinished() == LifecycleSpec.AfterFinished.Suspend) {
      edits.suspend(r.session());
      events.normal(r.session(), "Expired", why + ": suspended, volume and checkpoints kept");
    } else {
      events.normal(r.session(), "Expired", why + ": deleted");
      edits.delete(r.session());
    }
  }

  /** When the Ready condition last changed: when the incarnation became Ready, or when the agent finished. */
  private static Instant readySince(Reconciliation r) {
    return Conditions.find(r.status().getConditions(),
            Conditions.READY)
        .map(Condition::getLastTransitionTime)
        .map(Instant::parse).orElse(null);
  }

  private static Instant latest(Instant a, Instant b) {
    return a == null ? b : b == null ? a : a.isAfter(b) ? a : b;
  }

  /** The last pass could not create the current incarnation's pod (403): nothing of it exists to be lost. */
  private static boolean forbiddenBefore(Reconciliation r) {
    return Conditions.find(r.status().getConditions(),
        Conditions.READY).filter(c -> "PodForbidden".equals(c.getReason())).isPresent();
  }

  private static boolean generationUnchanged(Reconciliation r) {
    Long observed = r.status().getObservedGeneration();
    return observed != null && observed.equals(r.session().getMetadata().getGeneration());
  }
}
