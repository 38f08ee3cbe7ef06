package dev.tether.examples.agent;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * What the step agent needs, normally from its environment.
 *
 * @param supervisor base URL of the session supervisor ({@code TETHER_SUPERVISOR_URL})
 * @param sessionName the AgentSession ({@code TETHER_SESSION_NAME}); part of every step's result
 * @param epoch this incarnation's epoch ({@code TETHER_EPOCH}); recorded with every step it executes
 * @param steps how many steps the work has ({@code AGENT_STEPS})
 * @param stepDuration how long one step works ({@code AGENT_STEP_MILLIS})
 * @param checkpointEvery a checkpoint after every this many steps ({@code AGENT_CHECKPOINT_EVERY})
 * @param memoryBytes size of the memory the agent carries in its context ({@code AGENT_MEMORY_BYTES}, default 0)
 * @param log where progress lines go
 */
public record AgentConfig(URI supervisor, String sessionName, long epoch, int steps, Duration stepDuration,
                          int checkpointEvery, int memoryBytes, Consumer<String> log) {
  public static final String DEFAULT_SUPERVISOR_URL = "http://127.0.0.1:8765";

  public AgentConfig {
    Objects.requireNonNull(supervisor, "supervisor");
    Objects.requireNonNull(sessionName, "sessionName");
    Objects.requireNonNull(stepDuration, "stepDuration");
    Objects.requireNonNull(log, "log");
    if (steps < 1 || checkpointEvery < 1) {
      throw new IllegalArgumentException("steps and checkpointEvery must be >= 1");
    }
    if (memoryBytes < 0) {
      throw new IllegalArgumentException("memoryBytes must be >= 0");
    }
  }

  public static AgentConfig fromEnv(Map<String, String> env) {
    String session = env.getOrDefault("TETHER_SESSION_NAME", "session");
    return new AgentConfig(
        URI.create(env.getOrDefault("TETHER_SUPERVISOR_URL", DEFAULT_SUPERVISOR_URL)),
        session,
        Long.parseLong(env.getOrDefault("TETHER_EPOCH", "0")),
        Integer.parseInt(env.getOrDefault("AGENT_STEPS", "20")),
        Duration.ofMillis(Long.parseLong(env.getOrDefault("AGENT_STEP_MILLIS", "500"))),
        Integer.parseInt(env.getOrDefault("AGENT_CHECKPOINT_EVERY", "3")),
        Integer.parseInt(env.getOrDefault("AGENT_MEMORY_BYTES", "0")),
        line -> System.err.println("[step-agent " + session + "] " + line));
  }

  public AgentConfig withSupervisor(URI url) {
    return new AgentConfig(url, sessionName, epoch, steps, stepDuration, checkpointEvery, memoryBytes, log);
  }

  public AgentConfig withLog(Consumer<String> log) {
    return new AgentConfig(supervisor, sessionName, epoch, steps, stepDuration, checkpointEvery, memoryBytes, log);
  }
}
