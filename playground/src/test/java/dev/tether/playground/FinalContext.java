package dev.tether.playground;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.examples.agent.AgentContext;
import dev.tether.examples.agent.StepResult;
import dev.tether.store.ContextStore;
import dev.tether.store.Manifest;
import dev.tether.store.SessionKey;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.IntStream;

/** The context of a session's newest checkpoint, read as a new incarnation would: manifest from etcd, blob from the volume. */
final class FinalContext {
  private FinalContext() {}

  static AgentContext read(ContextStore store, SessionKey session, Path volumeDir) {
    Manifest latest = store.latest(session).orElseThrow(() -> new AssertionError("no checkpoint of " + session));
    try {
      return AgentContext.parse(Files.readAllBytes(volumeDir.resolve("checkpoints").resolve(latest.sequence() + ".blob")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every step exactly once, in order, each with the right result. */
  static void assertComplete(AgentContext context, String session, int steps) {
    assertThat(context.session()).isEqualTo(session);
    assertThat(context.steps()).extracting(AgentContext.Step::step)
        .as("steps of %s", session)
        .containsExactlyElementsOf(IntStream.rangeClosed(1, steps).boxed().toList());
    context.steps().forEach(s -> assertThat(s.result()).isEqualTo(StepResult.of(session, s.step())));
    assertThat(context.steps()).extracting(AgentContext.Step::epoch).as("epochs of the steps of %s", session)
        .isSorted();
  }
}
