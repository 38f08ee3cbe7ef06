package dev.tether.operator.validation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.operator.OperatorSettings;
import dev.tether.operator.Sessions;
import org.junit.jupiter.api.Test;

/** A missing StorageClass stops a session only while its claim is still to be created. */
class StorageClassValidationTest {
  private final SessionSpecValidator validator = new SessionSpecValidator(name -> false,
      OperatorSettings.defaults().limits(), true);

  @Test
  void aDeletedStorageClassDoesNotStopASessionWhoseClaimExists() {
    AgentSession session = Sessions.agent("team-a", "chat");
    session.getSpec().getCheckpoint().setStorageClassName("fast");
    assertThat(validator.validate(session, false)).singleElement()
        .satisfies(p -> assertThat(p).contains("storageClassName 'fast' does not exist"));
    assertThat(validator.validate(session, true)).as("bound already: failover must go on").isEmpty();
  }
}
