package dev.tether.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tether.testbed.EtcdServer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ContextStoreIT {
  private static final AtomicInteger NAMES = new AtomicInteger();
  private static EtcdServer etcd;
  private static ContextStore store;

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

  static SessionKey newSession() {
    return SessionKey.of("team-a", "agent-" + NAMES.incrementAndGet());
  }

  static Manifest manifest(long sequence, long epoch) {
    return new Manifest(sequence, epoch, "sha256:" + String.format("%064x", sequence), 100 + sequence,
        Instant.parse("2026-01-01T00:00:00Z").plusSeconds(sequence), Map.of("step", Long.toString(sequence)));
  }

  @Test
  void advanceEpochIsMonotonicAndIdempotent() {
    SessionKey session = newSession();
    assertThat(store.epoch(session)).isZero();
    assertThat(store.advanceEpoch(session, 1)).isEqualTo(1);
    assertThat(store.advanceEpoch(session, 1)).isEqualTo(1);
    assertThat(store.advanceEpoch(session, 3)).isEqualTo(3);
    assertThat(store.advanceEpoch(session, 2)).as("never goes back").isEqualTo(3);
    assertThat(store.advanceEpoch(session, 3)).isEqualTo(3);
    // 9 < 10 as numbers but "9" > "10" as strings: the padded encoding must order them numerically
    assertThat(store.advanceEpoch(session, 9)).isEqualTo(9);
    assertThat(store.advanceEpoch(session, 10)).isEqualTo(10);
    assertThat(store.epoch(session)).isEqualTo(10);
  }

  @Test
  void onlyTheOwningEpochRecordsUploads() {
    SessionKey session = newSession();
    UploadState first = UploadState.none(1).uploaded(3, Instant.parse("2026-01-01T00:00:03Z"), 1,
        Instant.parse("2026-01-01T00:00:04Z"));
    assertThat(store.recordUploads(session, first)).as("no epoch established yet").isFalse();
    store.advanceEpoch(session, 1);
    assertThat(store.recordUploads(session, first)).isTrue();
    assertThat(store.uploads(session)).contains(first);
    store.advanceEpoch(session, 2);
    UploadState late = first.failed("store down", Instant.parse("2026-01-01T00:00:05Z"), 2, first.pendingSince());
    assertThat(store.recordUploads(session, late)).as("a fenced incarnation").isFalse();
    assertThat(store.uploads(session)).contains(first);
  }

  @Test
  void onlyTheCurrentEpochCommits() {
    SessionKey session = newSession();
    assertThat(store.commit(session, 1, manifest(1, 1)))
        .as("no epoch established yet").isEqualTo(new CommitResult.Fenced(1, 0));
    store.advanceEpoch(session, 1);
    assertThat(store.commit(session, 1, manifest(1, 1))).isEqualTo(new CommitResult.Committed(manifest(1, 1)));
    store.advanceEpoch(session, 2);
    CommitResult stale = store.commit(session, 1, manifest(2, 1));
    assertThat(stale).isEqualTo(new CommitResult.Fenced(1, 2));
    assertThat(((CommitResult.Fenced) stale).superseded()).isTrue();
    assertThat(store.manifests(session)).containsExactly(manifest(1, 1));
    assertThat(store.commit(session, 2, manifest(2, 2))).isInstanceOf(CommitResult.Committed.class);
    assertThat(store.latest(session)).contains(manifest(2, 2));
  }

  @Test
  void sequencesMustIncrease() {
    SessionKey session = newSession();
    store.advanceEpoch(session, 1);
    assertThat(store.commit(session, 1, manifest(5, 1))).isInstanceOf(CommitResult.Committed.class);
    assertThat(store.commit(session, 1, manifest(5, 1))).isEqualTo(new CommitResult.SequenceConflict(5, 5));
    assertThat(store.commit(session, 1, manifest(4, 1))).isEqualTo(new CommitResult.SequenceConflict(4, 5));
    assertThat(store.commit(session, 1, manifest(10, 1))).isInstanceOf(CommitResult.Committed.class);
    assertThat(store.lastSequence(session)).isEqualTo(10);
    assertThat(store.manifests(session)).extracting(Manifest::sequence).containsExactly(10L, 5L);
  }

  @Test
  void pruneKeepsTheNewestAndSequencesNeverRepeat() {
    SessionKey session = newSession();
    store.advanceEpoch(session, 1);
    for (long sequence = 1; sequence <= 12; sequence++) {
      assertThat(store.commit(session, 1, manifest(sequence, 1))).isInstanceOf(CommitResult.Committed.class);
    }
    List<Manifest> removed = store.prune(session, 3);
    assertThat(removed).extracting(Manifest::sequence).containsExactly(9L, 8L, 7L, 6L, 5L, 4L, 3L, 2L, 1L);
    assertThat(store.manifests(session)).extracting(Manifest::sequence).containsExactly(12L, 11L, 10L);
    assertThat(store.prune(session, 3)).isEmpty();
    assertThat(store.commit(session, 1, manifest(2, 1)))
        .as("a pruned sequence cannot be committed again").isInstanceOf(CommitResult.SequenceConflict.class);
    store.deleteManifests(session, List.of(10L, 11L));
    assertThat(store.manifests(session)).extracting(Manifest::sequence).containsExactly(12L);
  }

  @Test
  void commitCanPruneInTheSameTransaction() {
    SessionKey session = newSession();
    store.advanceEpoch(session, 1);
    for (long sequence : new long[] {1, 2, 3, 5, 6}) {
      assertThat(store.commit(session, 1, manifest(sequence, 1), 3)).isInstanceOf(CommitResult.Committed.class);
    }
    assertThat(store.manifests(session)).extracting(Manifest::sequence).containsExactly(6L, 5L);
    assertThat(store.commit(session, 1, manifest(7, 1), 3)).isInstanceOf(CommitResult.Committed.class);
    assertThat(store.manifests(session)).extracting(Manifest::sequence).containsExactly(7L, 6L, 5L);
    assertThat(store.commit(session, 2, manifest(8, 2), 1)).as("fenced commits prune nothing")
        .isInstanceOf(CommitResult.Fenced.class);
    assertThat(store.manifests(session)).hasSize(3);
  }

  @Test
  void restoreRecordsAndCheckpointRequests() {
    SessionKey session = newSession();
    assertThat(store.restore(session, 2)).isEmpty();
    RestoreRecord record = new RestoreRecord(2, 6L, manifest(6, 1).digest(), true,
        "DigestMismatch: sequence 7 failed verification, restored 6", Instant.parse("2026-01-01T00:00:00Z"));
    store.recordRestore(session, record);
    assertThat(store.restore(session, 2)).contains(record);
    assertThat(store.restore(session, 3)).isEmpty();

    assertThat(store.checkpointRequest(session)).isEmpty();
    CheckpointRequest request = new CheckpointRequest("move-1", 2, Instant.parse("2026-01-01T00:01:00Z"));
    store.requestCheckpoint(session, request);
    assertThat(store.checkpointRequest(session)).contains(request);
    store.clearCheckpointRequest(session);
    assertThat(store.checkpointRequest(session)).isEmpty();

    assertThat(store.stopRequest(session)).isEmpty();
    store.requestStop(session, 2);
    assertThat(store.stopRequest(session)).contains(2L);
  }

  @Test
  void deleteSessionRemovesOnlyThatSession() {
    SessionKey doomed = newSession();
    SessionKey other = newSession();
    for (SessionKey session : List.of(doomed, other)) {
      store.advanceEpoch(session, 1);
      store.commit(session, 1, manifest(1, 1));
      store.recordRestore(session, new RestoreRecord(1, null, null, false, "NoCheckpoint", Instant.EPOCH));
    }
    store.deleteSession(doomed);
    assertThat(store.epoch(doomed)).isZero();
    assertThat(store.lastSequence(doomed)).isZero();
    assertThat(store.manifests(doomed)).isEmpty();
    assertThat(store.restore(doomed, 1)).isEmpty();
    assertThat(store.epoch(other)).isEqualTo(1);
    assertThat(store.manifests(other)).hasSize(1);
  }

  @Test
  void deleteCheckpointsKeepsTheEpochSoASameNameSessionStartsAboveIt() {
    SessionKey gone = newSession();
    store.advanceEpoch(gone, 3);
    store.commit(gone, 3, manifest(1, 3));
    store.recordRestore(gone, new RestoreRecord(3, null, null, false, "NoCheckpoint", Instant.EPOCH));
    store.requestStop(gone, 3);

    store.deleteCheckpoints(gone);

    assertThat(store.epoch(gone)).isEqualTo(3);
    assertThat(store.lastSequence(gone)).isZero();
    assertThat(store.manifests(gone)).isEmpty();
    assertThat(store.restore(gone, 3)).isEmpty();
    assertThat(store.stopRequest(gone)).isEmpty();
    assertThat(store.commit(gone, 3, manifest(1, 3))).as("the old incarnation commits on")
        .isInstanceOf(CommitResult.Committed.class);
    store.advanceEpoch(gone, 4);
    assertThat(store.commit(gone, 3, manifest(2, 3))).as("until a newer one took over")
        .isInstanceOf(CommitResult.Fenced.class);
  }

  @Test
  void watchDeliversTypedEvents() {
    SessionKey session = SessionKey.of("team-watch", "agent-1");
    SessionKey elsewhere = SessionKey.of("team-other", "agent-1");
    List<StoreEvent> events = new CopyOnWriteArrayList<>();
    try (ContextStore.Watch watch = store.watch("team-watch", events::add)) {
      store.advanceEpoch(elsewhere, 1);
      store.advanceEpoch(session, 1);
      store.commit(session, 1, manifest(1, 1));
      RestoreRecord record = new RestoreRecord(1, 1L, manifest(1, 1).digest(), false, "Latest", Instant.EPOCH);
      store.recordRestore(session, record);
      CheckpointRequest request = new CheckpointRequest("move-1", 1, Instant.EPOCH);
      store.requestCheckpoint(session, request);
      store.clearCheckpointRequest(session);
      store.requestStop(session, 1);
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(events).containsExactly(
          new StoreEvent.EpochChanged(session, 1),
          new StoreEvent.CheckpointCommitted(session, manifest(1, 1)),
          new StoreEvent.RestoreRecorded(session, record),
          new StoreEvent.CheckpointRequested(session, request),
          new StoreEvent.CheckpointRequestCleared(session),
          new StoreEvent.StopRequested(session, 1)));
    }
  }
}
