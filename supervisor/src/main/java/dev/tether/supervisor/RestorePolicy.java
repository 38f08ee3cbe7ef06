package dev.tether.supervisor;

/** What an incarnation does when the newest checkpoint does not verify. */
public enum RestorePolicy {
  /** Restore the newest checkpoint that verifies, and say so (fallback). */
  LatestVerified,
  /** Refuse to become ready (fail closed): a human decides. */
  RequireLatest
}
