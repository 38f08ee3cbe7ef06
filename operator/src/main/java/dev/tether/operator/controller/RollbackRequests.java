package dev.tether.operator.controller;

import dev.tether.api.v1alpha1.Migration;
import dev.tether.api.v1alpha1.RollbackRequest;
import dev.tether.api.v1alpha1.RollbackStatus;
import dev.tether.operator.checkpoint.SessionKeys;
import dev.tether.operator.events.EventRecorder;
import dev.tether.store.ContextStore;
import dev.tether.store.Manifest;
import dev.tether.store.StoreUnavailableException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * spec.rollback: checks a new request against the checkpoint store and turns it into a planned move whose new
 * incarnation restores the chosen checkpoint. Each (toSequence, requestId) is acted on once: status.rollback
 * answers it, Started or Rejected, in the same status write as the migration it starts.
 */
public final class RollbackRequests {
  private static final Duration STORE_RETRY = Duration.ofSeconds(5);

  /** Null without a checkpoint store: then every request is rejected. */
  private final ContextStore store;
  private final EventRecorder events;

  public RollbackRequests(ContextStore store, EventRecorder events) {
    this.store = store;
    this.events = events;
  }

  /** The loss that starts the rollback, if the spec holds a request not yet answered and it can be done. */
  public Optional<Loss> pending(Reconciliation r) {
    RollbackRequest request = r.session().getSpec().getRollback();
    var status = r.status();
    if (request == null || request.answeredBy(status.getRollback())) {
      return Optional.empty();
    }
    long target = request.getToSequence();
    if (store == null) {
      reject(r, request, "the operator runs without a checkpoint store: there is nothing to roll back to");
      return Optional.empty();
    }
    List<Manifest> kept;
    try {
      kept = store.manifests(SessionKeys.of(r.session()));
    } catch (StoreUnavailableException e) {
      r.wakeIn(STORE_RETRY); // asked again when the store answers; nothing is decided without it
      return Optional.empty();
    }
    if (kept.stream().noneMatch(m -> m.sequence() == target)) {
      reject(r, request, "checkpoint #" + target + " is not in the store; kept: " + (kept.isEmpty() ? "none"
          : kept.stream().map(m -> "#" + m.sequence()).collect(Collectors.joining(", "))));
      return Optional.empty();
    }
    String message = "incarnation " + status.getEpoch() + " is replaced by one that restores checkpoint #" + target
        + " and commits it again as the newest";
    status.setRollback(answer(r, request, RollbackStatus.Result.Started, message));
    events.normal(r.session(), "RollbackStarted", message);
    return Optional.of(new Loss(Loss.ROLLBACK, "rollback to checkpoint #" + target + " requested (spec.rollback)",
        Optional.empty()));
  }

  /**
   * Just before the new incarnation starts, when the old one is fenced and can commit no more: its last
   * checkpoints may have pushed the chosen one out of retention. Then the request is rejected after all and the
   * session continues from its newest checkpoint, as after any planned move.
   */
  public void confirm(Reconciliation r, Migration m) {
    if (m.getRollbackTo() == null) {
      return;
    }
    long target = m.getRollbackTo();
    List<Manifest> kept = store == null ? List.of() : store.manifests(SessionKeys.of(r.session()));
    if (kept.stream().anyMatch(manifest -> manifest.sequence() == target)) {
      return;
    }
    m.setRollbackTo(null);
    String why = "checkpoint #" + target + " left the store (spec.checkpoint.retain is "
        + r.session().getSpec().getCheckpoint().getRetain() + ") while incarnation " + m.getFromEpoch()
        + " saved its last checkpoints; the session continues from its newest checkpoint instead";
    RollbackStatus answer = r.status().getRollback();
    if (answer != null && answer.getToSequence() == target) {
      answer.setResult(RollbackStatus.Result.Rejected);
      answer.setMessage(why);
      answer.setTime(r.nowText());
    }
    events.warning(r.session(), "RollbackRejected", "rollback to checkpoint #" + target + " rejected: " + why);
  }

  private void reject(Reconciliation r, RollbackRequest request, String why) {
    r.status().setRollback(answer(r, request, RollbackStatus.Result.Rejected, why));
    events.warning(r.session(), "RollbackRejected", "rollback to checkpoint #" + request.getToSequence()
        + " rejected: " + why);
  }

  private static RollbackStatus answer(Reconciliation r, RollbackRequest request, RollbackStatus.Result result,
      String message) {
    RollbackStatus answer = new RollbackStatus();
    answer.setToSequence(request.getToSequence());
    answer.setRequestId(request.getRequestId());
    answer.setResult(result);
    answer.setFromEpoch(r.status().getEpoch());
    answer.setMessage(message);
    answer.setTime(r.nowText());
    return answer;
  }
}
