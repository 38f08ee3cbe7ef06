package dev.tether.store;

/** A change under the root prefix, decoded from an etcd watch event. */
public sealed interface StoreEvent {
  SessionKey session();

  record CheckpointCommitted(SessionKey session, Manifest manifest) implements StoreEvent {}

  record RestoreRecorded(SessionKey session, RestoreRecord record) implements StoreEvent {}

  /** The supervisor recorded how far its object-store tier is. */
  record UploadsRecorded(SessionKey session, UploadState state) implements StoreEvent {}

  record EpochChanged(SessionKey session, long epoch) implements StoreEvent {}

  record CheckpointRequested(SessionKey session, CheckpointRequest request) implements StoreEvent {}

  /** The checkpoint request was deleted (answered or withdrawn by the operator). */
  record CheckpointRequestCleared(SessionKey session) implements StoreEvent {}

  /** The operator saw the agent of incarnation {@code epoch} finish: that incarnation's supervisor exits. */
  record StopRequested(SessionKey session, long epoch) implements StoreEvent {}
}
