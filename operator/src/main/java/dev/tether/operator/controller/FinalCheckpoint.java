package dev.tether.operator.controller;

import dev.tether.api.v1alpha1.Migration;
import dev.tether.operator.checkpoint.CheckpointFollower;
import dev.tether.operator.checkpoint.SessionKeys;
import dev.tether.operator.support.Durations;
import dev.tether.operator.support.Times;
import dev.tether.store.CheckpointRequest;
import dev.tether.store.ContextStore;
import dev.tether.store.Manifest;
import dev.tether.store.SessionKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Before a planned move (the node was cordoned), asks the running incarnation for a final checkpoint
 * through the store; the supervisor shows the request to the agent. The move waits until a checkpoint
 * answering the request is committed, or until spec.failover.drainCheckpointTimeout, and then restores
 * the last committed checkpoint; either way status says which.
 */
public final class FinalCheckpoint {
  private final ContextStore store;
  private final CheckpointFollower follower;

  public FinalCheckpoint(ContextStore store, CheckpointFollower follower) {
    this.store = store;
    this.follower = follower;
  }

  /** Empty when the move may go on; otherwise how long to wait before looking again. */
  public Optional<Duration> await(Reconciliation r, Migration m) {
    if (m.getFinalCheckpoint() != null) {
      return Optional.empty();
    }
    SessionKey key = SessionKeys.of(r.session());
    Duration timeout = Durations.parse(r.session().getSpec().getFailover().getDrainCheckpointTimeout());
    Instant now = r.now();
    if (m.getCheckpointRequestId() == null) {
      String id = "move-" + m.getFromEpoch() + "-" + now.toEpochMilli();
      store.requestCheckpoint(key, new CheckpointRequest(id, m.getFromEpoch(), now.plus(timeout)));
      m.setCheckpointRequestId(id);
      m.setCheckpointRequestedAt(r.nowText());
      return Optional.of(timeout);
    }
    // The agent may have saved again since it answered: the answer counts, not only the newest checkpoint.
    Optional<Manifest> answer = follower.answer(key, m.getCheckpointRequestId());
    if (answer.isPresent()) {
      m.setFinalCheckpoint("final checkpoint " + answer.get().sequence() + " committed for the move");
      store.clearCheckpointRequest(key);
      return Optional.empty();
    }
    Optional<Manifest> latest = follower.latest(key);
    Instant deadline = Times.parse(m.getCheckpointRequestedAt()).plus(timeout);
    if (!now.isBefore(deadline)) {
      m.setFinalCheckpoint("no final checkpoint within " + r.session().getSpec().getFailover().getDrainCheckpointTimeout()
          + "; restoring the last committed one" + latest.map(x -> " (sequence " + x.sequence() + ")").orElse(""));
      store.clearCheckpointRequest(key);
      return Optional.empty();
    }
    return Optional.of(Duration.between(now, deadline));
  }
}
