package dev.tether.store;

import java.time.Instant;
import java.util.Objects;

/**
 * The operator asks the running incarnation for a final checkpoint before a planned move.
 *
 * @param requestId unique per request; the answering manifest carries it in {@link Manifest#answersRequest()}
 * @param epoch the incarnation that is asked
 * @param deadline after this the operator moves the session anyway
 */
public record CheckpointRequest(String requestId, long epoch, Instant deadline) {
  public CheckpointRequest {
    Objects.requireNonNull(requestId, "requestId");
    Objects.requireNonNull(deadline, "deadline");
  }
}
