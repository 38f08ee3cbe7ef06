package dev.tether.supervisor;

import dev.tether.store.CheckpointRequest;
import dev.tether.store.RestoreRecord;
import java.time.Duration;
import java.util.Optional;

/** What the supervisor knows about its incarnation; shared by the HTTP handlers, the writer and the watch. */
final class SessionState {
  /** A checkpoint request and whether a commit answered it. */
  record Request(CheckpointRequest request, Long answeredBySequence) {
    boolean pending() {
      return answeredBySequence == null;
    }
  }

  private boolean ready;
  private String notReadyReason = "startup restore check has not run yet";
  private boolean fenced;
  private long currentEpoch;
  private RestoreRecord restoredFrom;
  private Request request;
  private long lastSequence;
  private boolean stopRequested;
  private boolean draining;
  private boolean answeredWhileDraining;

  synchronized void ready(RestoreRecord restoredFrom, long lastSequence) {
    this.restoredFrom = restoredFrom;
    this.lastSequence = Math.max(this.lastSequence, lastSequence);
    this.ready = true;
    this.notReadyReason = null;
  }

  synchronized void notReady(String reason, RestoreRecord restoredFrom) {
    this.ready = false;
    this.notReadyReason = reason;
    this.restoredFrom = restoredFrom;
  }

  synchronized void waitingForStore(String reason) {
    if (!ready) {
      notReadyReason = reason;
    }
  }

  synchronized boolean ready() {
    return ready && !fenced;
  }

  synchronized String notReadyReason() {
    return fenced ? "fenced: epoch " + currentEpoch + " owns this session" : notReadyReason;
  }

  /** Once fenced, always fenced: a newer incarnation owns the session. */
  synchronized void fence(long currentEpoch) {
    this.fenced = true;
    this.currentEpoch = Math.max(this.currentEpoch, currentEpoch);
    notifyAll();
  }

  synchronized boolean fenced() {
    return fenced;
  }

  synchronized long currentEpoch() {
    return currentEpoch;
  }

  synchronized Optional<RestoreRecord> restoredFrom() {
    return Optional.ofNullable(restoredFrom);
  }

  synchronized long lastSequence() {
    return lastSequence;
  }

  synchronized void lastSequence(long sequence) {
    lastSequence = sequence;
  }

  synchronized void requested(CheckpointRequest checkpointRequest) {
    if (request == null || !request.request().requestId().equals(checkpointRequest.requestId())) {
      request = new Request(checkpointRequest, null);
      notifyAll();
    }
  }

  synchronized void requestCleared() {
    request = null;
    notifyAll();
  }

  synchronized Optional<Request> request() {
    return Optional.ofNullable(request);
  }

  /** The id a commit now should answer, if a request is pending. */
  synchronized Optional<String> pendingRequestId() {
    return request != null && request.pending() ? Optional.of(request.request().requestId()) : Optional.empty();
  }

  synchronized void answered(String requestId, long sequence) {
    if (request != null && request.request().requestId().equals(requestId)) {
      request = new Request(request.request(), sequence);
      notifyAll();
    }
  }

  /** Waits up to {@code timeout} for a pending request (long poll). */
  synchronized Optional<Request> awaitPendingRequest(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (request == null || !request.pending()) {
      long left = deadline - System.nanoTime();
      if (left <= 0 || fenced) {
        return Optional.empty();
      }
      wait(Math.max(1, left / 1_000_000));
    }
    return Optional.of(request);
  }

  /** The operator saw this incarnation's agent finish: the supervisor has nothing left to serve. */
  synchronized void stopRequested() {
    stopRequested = true;
    notifyAll();
  }

  synchronized void awaitStopRequest() throws InterruptedException {
    while (!stopRequested) {
      wait();
    }
  }

  /** Whether SIGTERM came: a commit that starts now is the agent's final checkpoint. */
  synchronized boolean draining() {
    return draining;
  }

  /** The final checkpoint (marked final, or a commit that started after SIGTERM) was answered. */
  synchronized void finalCommitAnswered() {
    answeredWhileDraining = true;
    notifyAll();
  }

  /**
   * After SIGTERM: keeps serving until the agent's final checkpoint was answered (also if that happened just
   * before SIGTERM reached this container), the operator asked this
   * incarnation to stop, or {@code timeout} passed (the kubelet kills the container at its grace period anyway).
   */
  synchronized DrainEnd awaitDrained(Duration timeout) throws InterruptedException {
    draining = true;
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      if (stopRequested) {
        return DrainEnd.STOP_REQUESTED;
      }
      if (answeredWhileDraining) {
        return DrainEnd.FINAL_CHECKPOINT;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return DrainEnd.DEADLINE;
      }
      wait(Math.max(1, left / 1_000_000));
    }
  }
}
