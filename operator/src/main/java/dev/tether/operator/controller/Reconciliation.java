package dev.tether.operator.controller;

import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.AgentSessionStatus;
import dev.tether.operator.status.Conditions;
import dev.tether.operator.status.StatusWriter;
import dev.tether.operator.support.Times;
import io.fabric8.kubernetes.api.model.Pod;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One pass over one session: the session as last stored, the status being built, the pods seen, and what
 * the pass asks for (a status write, a later look). Conditions are derived once, at the end, from three
 * signals the steps set.
 */
public final class Reconciliation {
  private AgentSession session;
  private final AgentSessionStatus status;
  private final Instant now;
  private final List<Pod> pods;
  private final Context<AgentSession> context;
  private final StatusWriter writer;
  private Duration wakeIn;
  private Duration detectionDelay;

  private boolean ready;
  private String readyReason = "Pending";
  private String readyMessage = "";
  private boolean progressing;
  private String progressingReason = "Stable";
  private String progressingMessage = "";
  private boolean degraded;
  private String degradedReason = "AsExpected";
  private String degradedMessage = "";

  Reconciliation(AgentSession session, List<Pod> pods, Context<AgentSession> context, StatusWriter writer, Instant now) {
    this.session = session;
    this.status = writer.copy(session.getStatus());
    this.pods = pods;
    this.context = context;
    this.writer = writer;
    this.now = now;
  }

  public AgentSession session() {
    return session;
  }

  public AgentSessionStatus status() {
    return status;
  }

  public Instant now() {
    return now;
  }

  public String nowText() {
    return Times.formatMillis(now);
  }

  public List<Pod> pods() {
    return pods;
  }

  public Context<AgentSession> context() {
    return context;
  }

  public Optional<Pod> pod(String name) {
    return name == null ? Optional.empty()
        : pods.stream().filter(p -> name.equals(p.getMetadata().getName())).findFirst();
  }

  /** Asks for another pass after at most this long (the shortest request wins). */
  public void wakeIn(Duration delay) {
    Duration d = delay.isNegative() ? Duration.ZERO : delay;
    wakeIn = wakeIn == null || d.compareTo(wakeIn) < 0 ? d : wakeIn;
  }

  public Optional<Duration> wakeIn() {
    return Optional.ofNullable(wakeIn);
  }

  /** The incarnation is running and Ready: the session's Ready condition is True. */
  public void running(String message) {
    ready = true;
    readyReason = "Running";
    readyMessage = message;
  }

  /** Not Ready, for this reason. */
  public void ready(String reason, String message) {
    ready = false;
    readyReason = reason;
    readyMessage = message;
  }

  /** How long after its last heartbeat a failed node was noticed, when this pass started a migration for it. */
  public void detected(Duration delay) {
    detectionDelay = delay;
  }

  public Optional<Duration> detectionDelay() {
    return Optional.ofNullable(detectionDelay);
  }

  public void progressing(String reason, String message) {
    progressing = true;
    progressingReason = reason;
    progressingMessage = message;
  }

  /** Whether this pass already found the session degraded (the first cause found stays the condition's). */
  public boolean isDegraded() {
    return degraded;
  }

  public void degraded(String reason, String message) {
    degraded = true;
    degradedReason = reason;
    degradedMessage = message;
  }

  /** Writes the status now (e.g. the epoch, before the pod of that epoch is created). */
  public void persist() {
    applyConditions();
    session = writer.write(session, status, context);
  }

  void applyConditions() {
    Long generation = session.getMetadata().getGeneration();
    String time = Times.format(now);
    var conditions = Conditions.set(status.getConditions(), Conditions.READY, ready, readyReason, readyMessage,
        generation, time);
    conditions = Conditions.set(conditions, Conditions.PROGRESSING, progressing, progressingReason,
        progressingMessage, generation, time);
    conditions = Conditions.set(conditions, Conditions.DEGRADED, degraded, degradedReason, degradedMessage,
        generation, time);
    status.setConditions(conditions);
  }
}
