package dev.tether.playground;

import dev.tether.examples.agent.AgentContext;
import dev.tether.examples.agent.StepResult;
import dev.tether.store.ContextStore;
import dev.tether.store.Manifest;
import dev.tether.store.SessionKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Checks a session's final context (newest checkpoint): every step exactly once, in order, with its result. */
final class ContextCheck {
  private ContextCheck() {}

  /** Empty when the context is complete, else what is wrong. */
  static Optional<String> problem(ContextStore store, SessionKey session, Path volumeDir, int steps) {
    Optional<Manifest> latest = store.latest(session);
    if (latest.isEmpty()) {
      return Optional.of("no checkpoint");
    }
    AgentContext context;
    try {
      context = AgentContext.parse(Files.readAllBytes(
          volumeDir.resolve("checkpoints").resolve(latest.get().sequence() + ".blob")));
    } catch (IOException | RuntimeException e) {
      return Optional.of("unreadable checkpoint " + latest.get().sequence() + ": " + e.getMessage());
    }
    if (context.steps().size() != steps) {
      return Optional.of(context.steps().size() + " steps instead of " + steps);
    }
    for (int i = 0; i < steps; i++) {
      AgentContext.Step step = context.steps().get(i);
      if (step.step() != i + 1) {
        return Optional.of("step " + step.step() + " at position " + (i + 1));
      }
      if (!step.result().equals(StepResult.of(session.name(), step.step()))) {
        return Optional.of("wrong result for step " + step.step());
      }
    }
    return Optional.empty();
  }
}
