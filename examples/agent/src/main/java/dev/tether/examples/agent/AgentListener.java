package dev.tether.examples.agent;

/** What an embedding program (the playground, tests) may want to follow; every method is optional. */
public interface AgentListener {
  AgentListener NONE = new AgentListener() {};

  /** The context was restored from checkpoint {@code sequence}, whose last step is {@code step}. */
  default void restored(long sequence, int step, boolean fallback, String reason) {}

  /** Work starts (or resumes) at this step. */
  default void resumed(int step) {}

  default void stepDone(int step) {}

  default void checkpointed(long sequence, int step) {}

  /** A newer incarnation owns the session; the agent stops. */
  default void fenced(long currentEpoch) {}

  default void exited(int code) {}
}
