package dev.tether.api.v1alpha1;

/** Coarse lifecycle of a session, for humans and printer columns; conditions carry the detail. */
public enum SessionPhase {
  Pending,
  Running,
  Migrating,
  Suspended,
  Succeeded,
  Failed
}
