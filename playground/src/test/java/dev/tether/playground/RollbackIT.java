package dev.tether.playground;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tether.api.Tether;
import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.MigrationRecord;
import dev.tether.api.v1alpha1.RollbackRequest;
import dev.tether.api.v1alpha1.RollbackStatus;
import dev.tether.api.v1alpha1.SessionPhase;
import dev.tether.store.Manifest;
import dev.tether.store.SessionKey;
import io.fabric8.kubernetes.api.model.Event;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * spec.rollback: the session goes back to a chosen checkpoint in a new incarnation, the fence kept, the later
 * checkpoints kept in the history; a request for a checkpoint that is not there is refused and moves nothing.
 */
class RollbackIT {
  static final Duration TIMEOUT = Duration.ofSeconds(90);
  static final int STEPS = 60;

  final SessionCluster bed = PlaygroundBed.get();

  @Test
  void theSessionContinuesFromTheChosenCheckpointInANewIncarnation() {
    String ns = PlaygroundBed.newNamespace("rollback");
    String pool = PlaygroundBed.newPool();
    List.of("a", "b").forEach(n -> PlaygroundBed.addNode(pool, n));
    SessionKey key = SessionKey.of(ns, "undo");
    try (StoreHistory history = new StoreHistory(bed.store(), ns)) {
      // A checkpoint every 8 steps (1.2 s): the old incarnation's last checkpoints before the fence keep the
      // chosen one within retention.
      bed.client().resource(new StepAgentSession(STEPS, Duration.ofMillis(150), 8, "4s",
          Map.of(PlaygroundBed.POOL_LABEL, pool)).build(ns, "undo")).create();
      PlaygroundBed.awaitSession(ns, "undo", TIMEOUT,
          s -> s.getStatus().getPhase() == SessionPhase.Running && s.getStatus().getEpoch() == 1);
      await().atMost(TIMEOUT).until(() -> history.commits(key).size() >= 3);
      List<Manifest> before = history.commits(key);
      Manifest chosen = before.get(before.size() - 2);
      int chosenStep = Integer.parseInt(chosen.metadata().get("step"));

      request(ns, "undo", chosen.sequence(), "first");

      AgentSession rolledBack = PlaygroundBed.awaitSession(ns, "undo", TIMEOUT, s -> s.getStatus().getEpoch() == 2
          && s.getStatus().getPhase() == SessionPhase.Running && s.getStatus().getRestoredFrom() != null
          && s.getStatus().getRestoredFrom().getEpoch() == 2);
      RollbackStatus answer = rolledBack.getStatus().getRollback();
      assertThat(answer.getResult()).isEqualTo(RollbackStatus.Result.Started);
      assertThat(answer.getToSequence()).isEqualTo(chosen.sequence());
      assertThat(answer.getRequestId()).isEqualTo("first");
      assertThat(answer.getFromEpoch()).isEqualTo(1);
      MigrationRecord move = rolledBack.getStatus().getMigrations().get(rolledBack.getStatus().getMigrations().size() - 1);
      assertThat(move.getReason()).isEqualTo("Rollback");
      assertThat(rolledBack.getStatus().getMigrationCount()).isEqualTo(1);
      assertThat(rolledBack.getStatus().getRestoredFrom().getReason())
          .startsWith("Rollback: restored checkpoint #" + chosen.sequence() + ", committed again as #");
      await().atMost(TIMEOUT).untilAsserted(() -> assertThat(bed.journal().entries(ns, "undo")).anySatisfy(e -> {
        assertThat(e.epoch()).isEqualTo(2);
        assertThat(e.kind()).isEqualTo(AgentJournal.Kind.RESTORED);
        assertThat(e.step()).as("the agent continues from the chosen checkpoint").isEqualTo(chosenStep);
      }));
      Manifest copy = history.commits(key).stream().filter(m -> m.epoch() == 2).findFirst().orElseThrow();
      assertThat(copy.digest()).isEqualTo(chosen.digest());
      assertThat(copy.metadata()).containsEntry("tether.rollback-of", Long.toString(chosen.sequence()));
      assertThat(bed.client().pods().inNamespace(ns).withName(rolledBack.getStatus().getPodName()).get()
          .getMetadata().getAnnotations()).containsEntry(Tether.ANNOTATION_ROLLBACK_TO, Long.toString(chosen.sequence()));

      // A sequence that is not in the store: refused, said so, and nothing moves.
      request(ns, "undo", 9999, "second");
      AgentSession refused = PlaygroundBed.awaitSession(ns, "undo", TIMEOUT,
          s -> s.getStatus().getRollback() != null && "second".equals(s.getStatus().getRollback().getRequestId()));
      assertThat(refused.getStatus().getRollback().getResult()).isEqualTo(RollbackStatus.Result.Rejected);
      assertThat(refused.getStatus().getRollback().getMessage()).startsWith("checkpoint #9999 is not in the store; kept: #");
      await().atMost(TIMEOUT).until(() -> warnings(ns, "undo").stream()
          .anyMatch(e -> "RollbackRejected".equals(e.getReason()) && e.getMessage().contains("#9999")));

      AgentSession done = PlaygroundBed.awaitSession(ns, "undo", TIMEOUT,
          s -> s.getStatus().getPhase() == SessionPhase.Succeeded);
      assertThat(done.getStatus().getEpoch()).as("the request stays in the spec and is not acted on again").isEqualTo(2);
      assertThat(history.commits(key)).extracting(Manifest::sequence).doesNotHaveDuplicates().isSorted();
      assertThat(history.commits(key)).extracting(Manifest::epoch).isSorted();
      FinalContext.assertComplete(FinalContext.read(bed.store(), key, bed.nodes().volumeDir(ns, "undo-checkpoints")),
          "undo", STEPS);
    }
  }

  /** A merge patch of the spec only, as kubectl patch does: no resourceVersion, so a status write meanwhile is no conflict. */
  private void request(String ns, String name, long sequence, String requestId) {
    String patch = bed.client().getKubernetesSerialization().asJson(
        java.util.Map.of("spec", java.util.Map.of("rollback", new RollbackRequest(sequence, requestId))));
    bed.client().resources(AgentSession.class).inNamespace(ns).withName(name)
        .patch(io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
            io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE), patch);
  }

  private List<Event> warnings(String ns, String name) {
    return bed.client().v1().events().inNamespace(ns).list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName()) && "Warning".equals(e.getType())).toList();
  }
}
