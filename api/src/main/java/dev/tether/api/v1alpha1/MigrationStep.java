package dev.tether.api.v1alpha1;

/**
 * Steps of an in-flight migration, persisted in status so that a restarted operator resumes where the
 * previous one stopped. The transitions live in the operator's migration state machine.
 */
public enum MigrationStep {
  /** The old incarnation is lost (node failed, pod evicted or deleted); nothing has been done yet. */
  Detected,
  /** Waiting until the old pod can no longer run (force-deleted, node tainted, or removed by an admin). */
  Fencing,
  /** ReadWriteOnce only: waiting until the volume is detached from the failed node. */
  WaitingForVolume,
  /** The epoch was raised; the new pod is being created and scheduled. */
  Rescheduling,
  /** The new pod is bound; waiting until it is Ready (the agent restored its checkpoint). */
  Restoring
}
