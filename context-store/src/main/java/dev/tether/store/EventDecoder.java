package dev.tether.store;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.watch.WatchEvent;
import java.util.Optional;

/** Turns an etcd watch event under the sessions prefix into a {@link StoreEvent}, if it is one we publish. */
final class EventDecoder {
  private final KeyLayout keys;

  EventDecoder(KeyLayout keys) {
    this.keys = keys;
  }

  Optional<StoreEvent> decode(WatchEvent event) {
    KeyValue kv = event.getKeyValue();
    Optional<KeyLayout.Parsed> parsed = keys.parse(kv.getKey().toString(UTF_8));
    if (parsed.isEmpty()) {
      return Optional.empty();
    }
    SessionKey session = parsed.get().session();
    String rest = parsed.get().rest();
    byte[] value = kv.getValue().getBytes();
    return switch (event.getEventType()) {
      case PUT -> put(session, rest, value);
      case DELETE -> deleted(session, rest);
      default -> Optional.empty();
    };
  }

  private static Optional<StoreEvent> deleted(SessionKey session, String rest) {
    if (rest.equals(KeyLayout.CHECKPOINT_REQUEST)) {
      return Optional.of(new StoreEvent.CheckpointRequestCleared(session));
    }
    // A deleted epoch reads as 0: the operator raises it again for the incarnation it runs.
    return rest.equals(KeyLayout.EPOCH) ? Optional.of(new StoreEvent.EpochChanged(session, 0)) : Optional.empty();
  }

  private static Optional<StoreEvent> put(SessionKey session, String rest, byte[] value) {
    if (rest.equals(KeyLayout.EPOCH)) {
      return Optional.of(new StoreEvent.EpochChanged(session, Long.parseLong(new String(value, UTF_8).trim())));
    }
    if (rest.startsWith(KeyLayout.CHECKPOINTS)) {
      return Optional.of(new StoreEvent.CheckpointCommitted(session, Json.manifest(value)));
    }
    if (rest.startsWith(KeyLayout.RESTORES)) {
      return Optional.of(new StoreEvent.RestoreRecorded(session, Json.restore(value)));
    }
    if (rest.equals(KeyLayout.UPLOADS)) {
      return Optional.of(new StoreEvent.UploadsRecorded(session, Json.uploads(value)));
    }
    if (rest.equals(KeyLayout.CHECKPOINT_REQUEST)) {
      return Optional.of(new StoreEvent.CheckpointRequested(session, Json.request(value)));
    }
    if (rest.equals(KeyLayout.STOP_REQUEST)) {
      return Optional.of(new StoreEvent.StopRequested(session, Long.parseLong(new String(value, UTF_8).trim())));
    }
    return Optional.empty();
  }
}
