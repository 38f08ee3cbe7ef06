package dev.tether.store;

/** Outcome of {@link ContextStore#commit}. */
public sealed interface CommitResult {
  /** The manifest is in etcd. */
  record Committed(Manifest manifest) implements CommitResult {}

  /**
   * The stored epoch is not the caller's. When {@code currentEpoch} is greater, a newer incarnation owns the
   * session and the caller must stop writing for good; when smaller, the epoch was not established yet.
   */
  record Fenced(long callerEpoch, long currentEpoch) implements CommitResult {
    public boolean superseded() {
      return currentEpoch > callerEpoch;
    }
  }

  /** The sequence is not greater than the last committed one. */
  record SequenceConflict(long sequence, long lastSequence) implements CommitResult {}
}
