package dev.tether.playground;

import dev.tether.store.ContextStore;
import dev.tether.store.Manifest;
import dev.tether.store.SessionKey;
import dev.tether.store.StoreEvent;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Every checkpoint commit and epoch change of one namespace's sessions, as etcd saw them. Retention deletes old
 * manifests; this keeps all of them for the assertions.
 */
final class StoreHistory implements AutoCloseable {
  private final List<StoreEvent> events = new CopyOnWriteArrayList<>();
  private final ContextStore.Watch watch;

  StoreHistory(ContextStore store, String namespace) {
    watch = store.watch(namespace, events::add);
  }

  List<Manifest> commits(SessionKey session) {
    return events.stream()
        .filter(e -> e.session().equals(session) && e instanceof StoreEvent.CheckpointCommitted)
        .map(e -> ((StoreEvent.CheckpointCommitted) e).manifest()).toList();
  }

  List<Long> epochs(SessionKey session) {
    return events.stream()
        .filter(e -> e.session().equals(session) && e instanceof StoreEvent.EpochChanged)
        .map(e -> ((StoreEvent.EpochChanged) e).epoch()).toList();
  }

  @Override
  public void close() {
    watch.close();
  }
}
