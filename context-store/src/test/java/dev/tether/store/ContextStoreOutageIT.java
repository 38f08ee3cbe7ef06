package dev.tether.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tether.testbed.EtcdServer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What callers see while etcd is down, and that watches pick up again when it is back. */
class ContextStoreOutageIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(2);
  private static EtcdServer etcd;
  private static ContextStore store;

  @BeforeAll
  static void startEtcd() {
    etcd = EtcdServer.start();
    store = ContextStore.connect(StoreConfig.of(etcd.endpoint()).withOperationTimeout(TIMEOUT));
  }

  @AfterAll
  static void stopEtcd() {
    store.close();
    etcd.close();
  }

  @Test
  void callsFailWithinTheTimeoutWhileEtcdIsDownAndWorkAfterwards() {
    SessionKey session = SessionKey.of("team-a", "outage");
    store.advanceEpoch(session, 1);
    etcd.stop();
    try {
      for (Runnable call : List.<Runnable>of(
          () -> store.epoch(session),
          () -> store.advanceEpoch(session, 2),
          () -> store.commit(session, 1, ContextStoreIT.manifest(1, 1)),
          () -> store.manifests(session))) {
        long started = System.nanoTime();
        assertThatThrownBy(call::run).isInstanceOf(StoreUnavailableException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(TIMEOUT.plusSeconds(3));
      }
    } finally {
      etcd.startProcess();
    }
    await().atMost(Duration.ofSeconds(20)).ignoreExceptionsInstanceOf(StoreUnavailableException.class)
        .until(() -> store.lastSequence(session) >= 0);
    assertThat(store.epoch(session)).as("the advance reported as failed did not land later").isEqualTo(1);
    assertThat(store.commit(session, 1, ContextStoreIT.manifest(1, 1))).isInstanceOf(CommitResult.Committed.class);
  }

  @Test
  void watchResumesAfterEtcdRestarts() {
    SessionKey session = SessionKey.of("team-b", "restart");
    List<StoreEvent> events = new CopyOnWriteArrayList<>();
    try (ContextStore.Watch watch = store.watch(events::add)) {
      store.advanceEpoch(session, 1);
      await().atMost(Duration.ofSeconds(10))
          .untilAsserted(() -> assertThat(events).containsExactly(new StoreEvent.EpochChanged(session, 1)));

      etcd.stop();
      etcd.startProcess();
      // Written by a second client right after the restart, possibly before the watch is back: the resumed
      // watch must still deliver it (it continues from the last revision it saw).
      try (ContextStore other = ContextStore.connect(StoreConfig.of(etcd.endpoint()))) {
        await().atMost(Duration.ofSeconds(20)).ignoreExceptionsInstanceOf(StoreUnavailableException.class)
            .until(() -> other.advanceEpoch(session, 2) == 2);
      }
      store.commit(session, 2, ContextStoreIT.manifest(1, 2));
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(events).containsExactly(
          new StoreEvent.EpochChanged(session, 1),
          new StoreEvent.EpochChanged(session, 2),
          new StoreEvent.CheckpointCommitted(session, ContextStoreIT.manifest(1, 2))));
    }
  }
}
