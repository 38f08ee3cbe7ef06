package dev.tether.supervisor;

/** Why the supervisor stopped serving after SIGTERM. */
public enum DrainEnd {
  /** The agent's checkpoint after SIGTERM was committed and answered. */
  FINAL_CHECKPOINT,
  /** The operator saw the agent finish and asked this incarnation to stop. */
  STOP_REQUESTED,
  /** The shutdown timeout passed first (or was zero: a native sidecar, whose agent has exited already). */
  DEADLINE
}
