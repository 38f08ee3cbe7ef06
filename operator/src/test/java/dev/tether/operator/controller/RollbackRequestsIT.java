package dev.tether.operator.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.AgentSessionSpec;
import dev.tether.api.v1alpha1.AgentSessionStatus;
import dev.tether.api.v1alpha1.Migration;
import dev.tether.api.v1alpha1.RollbackRequest;
import dev.tether.api.v1alpha1.RollbackStatus;
import dev.tether.operator.OperatorTestBed;
import dev.tether.operator.events.EventRecorder;
import dev.tether.operator.status.StatusWriter;
import dev.tether.store.ContextStore;
import dev.tether.store.Manifest;
import dev.tether.store.SessionKey;
import dev.tether.store.StoreConfig;
import dev.tether.testbed.EtcdServer;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** spec.rollback is checked against what a real etcd keeps, when asked and again once the old incarnation is fenced. */
class RollbackRequestsIT {
  private static final String DIGEST = "sha256:" + "cd".repeat(32);
  private static final int RETAIN = 5;
  private static EtcdServer etcd;
  private static ContextStore store;
  private final OperatorTestBed bed = OperatorTestBed.get();

  @BeforeAll
  static void startEtcd() {
    etcd = EtcdServer.start();
    store = ContextStore.connect(StoreConfig.of(etcd.endpoint()));
  }

  @AfterAll
  static void stopEtcd() {
    store.close();
    etcd.close();
  }

  @Test
  void aRequestIsAnsweredOnceAndRejectedWhenItsCheckpointIsNotKept() {
    String ns = bed.newNamespace();
    SessionKey key = SessionKey.of(ns, "rewind");
    store.advanceEpoch(key, 1);
    commitUpTo(key, 8); // retention keeps #4..#8
    AgentSession session = session(ns, "rewind");
    RollbackRequests rollbacks = new RollbackRequests(store, new EventRecorder(bed.client()));

    session.getSpec().setRollback(new RollbackRequest(2, "a"));
    assertThat(pass(session, rollbacks::pending)).as("#2 was pruned").isEmpty();
    RollbackStatus rejected = session.getStatus().getRollback();
    assertThat(rejected.getResult()).isEqualTo(RollbackStatus.Result.Rejected);
    assertThat(rejected.getMessage()).isEqualTo("checkpoint #2 is not in the store; kept: #8, #7, #6, #5, #4");
    assertThat(pass(session, rollbacks::pending)).as("answered: not again").isEmpty();

    session.getSpec().setRollback(new RollbackRequest(5, "a"));
    var loss = pass(session, rollbacks::pending);
    assertThat(loss).get().extracting(Loss::reason).isEqualTo(Loss.ROLLBACK);
    assertThat(loss.get().planned()).isTrue();
    assertThat(session.getStatus().getRollback().getResult()).isEqualTo(RollbackStatus.Result.Started);
    assertThat(session.getStatus().getRollback().getToSequence()).isEqualTo(5);
    assertThat(pass(session, rollbacks::pending)).isEmpty();

    Migration move = new Migration();
    move.setFromEpoch(1);
    move.setRollbackTo(5L);
    pass(session, r -> {
      rollbacks.confirm(r, move);
      return null;
    });
    assertThat(move.getRollbackTo()).as("still kept after the fence").isEqualTo(5L);

    commitUpTo(key, 10); // the old incarnation's last checkpoints push #5 out
    pass(session, r -> {
      rollbacks.confirm(r, move);
      return null;
    });
    assertThat(move.getRollbackTo()).as("the new incarnation restores the newest instead").isNull();
    assertThat(session.getStatus().getRollback().getResult()).isEqualTo(RollbackStatus.Result.Rejected);
    assertThat(session.getStatus().getRollback().getMessage()).startsWith("checkpoint #5 left the store");

    await().atMost(Duration.ofSeconds(30)).until(() -> bed.client().v1().events().inNamespace(ns).list().getItems()
        .stream().filter(e -> "RollbackRejected".equals(e.getReason()) && "Warning".equals(e.getType())).count() == 2);
    assertThat(bed.client().v1().events().inNamespace(ns).list().getItems())
        .anyMatch(e -> "RollbackStarted".equals(e.getReason()) && e.getMessage().contains("#5"));
  }

  @Test
  void withoutACheckpointStoreEveryRequestIsRejected() {
    String ns = bed.newNamespace();
    AgentSession session = session(ns, "storeless");
    session.getSpec().setRollback(new RollbackRequest(1, null));
    assertThat(pass(session, new RollbackRequests(null, new EventRecorder(bed.client()))::pending)).isEmpty();
    assertThat(session.getStatus().getRollback().getMessage()).contains("without a checkpoint store");
  }

  private static void commitUpTo(SessionKey key, long last) {
    for (long sequence = store.lastSequence(key) + 1; sequence <= last; sequence++) {
      store.commit(key, 1, new Manifest(sequence, 1, DIGEST, 10, Instant.now(), Map.of()), RETAIN);
    }
  }

  private static AgentSession session(String ns, String name) {
    AgentSession session = new AgentSession();
    session.getMetadata().setNamespace(ns);
    session.getMetadata().setName(name);
    session.setSpec(new AgentSessionSpec());
    session.getSpec().getCheckpoint().setRetain(RETAIN);
    session.setStatus(new AgentSessionStatus());
    session.getStatus().setEpoch(1);
    return session;
  }

  /** A pass on a copy of the status, which becomes the session's status afterwards as if written. */
  private static <T> T pass(AgentSession session, java.util.function.Function<Reconciliation, T> work) {
    Reconciliation r = new Reconciliation(session, List.of(), null, new StatusWriter(new KubernetesSerialization()),
        Instant.now());
    T result = work.apply(r);
    session.setStatus(r.status());
    return result;
  }
}
