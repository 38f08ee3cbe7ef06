package dev.tether.supervisor;

import dev.tether.store.ContextStore;
import dev.tether.store.Manifest;
import dev.tether.store.RestoreRecord;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * A rollback to an older checkpoint: the incarnation commits that checkpoint's blob again, as the newest, under
 * its own epoch. Every later restore (the agent's own, a failover's) then finds it first, the fence stays what it
 * is, and the checkpoints written after it stay in the history until retention drops them: nothing is lost.
 * The target must verify; if it does not, the incarnation refuses to become ready rather than restore another
 * checkpoint than the one asked for.
 */
final class Rollback {
  /** Metadata key of a rollback commit: the sequence it is a copy of. */
  static final String ROLLBACK_OF = "tether.rollback-of";
  static final String REFUSED = "RollbackRefused";

  /** The record to keep; {@code refused} when the target is missing or does not verify. Empty when fenced. */
  record Result(RestoreRecord record, boolean refused) {}

  private final SupervisorConfig config;
  private final ContextStore store;
  private final BlobStore blobs;
  private final CheckpointWriter writer;
  private final SessionState state;

  Rollback(SupervisorConfig config, ContextStore store, BlobStore blobs, CheckpointWriter writer, SessionState state) {
    this.config = config;
    this.store = store;
    this.blobs = blobs;
    this.writer = writer;
    this.state = state;
  }

  /** Idempotent per incarnation: a restarted supervisor finds its own rollback commit and does not repeat it. */
  Optional<Result> perform(Optional<RestoreRecord> recorded) throws IOException {
    long target = config.rollbackTo();
    if (recorded.isPresent()) {
      return Optional.of(new Result(recorded.get(), recorded.get().sequence() == null));
    }
    List<Manifest> manifests = store.manifests(config.session());
    Optional<Manifest> done = manifests.stream().findFirst()
        .filter(m -> m.epoch() == config.epoch() && Long.toString(target).equals(m.metadata().get(ROLLBACK_OF)));
    if (done.isPresent()) {
      return Optional.of(new Result(committed(target, done.get()), false));
    }
    Optional<Manifest> wanted = manifests.stream().filter(m -> m.sequence() == target).findFirst();
    if (wanted.isEmpty()) {
      return Optional.of(refused("checkpoint #" + target + " is not in the store (kept: "
          + manifests.stream().map(m -> "#" + m.sequence()).collect(Collectors.joining(", ")) + ")"));
    }
    Manifest manifest = wanted.get();
    Optional<BlobStore.Opened> opened;
    try {
      opened = blobs.openForRestore(manifest);
    } catch (BlobStore.NotARegularFileException e) {
      return Optional.of(refused("BlobNotARegularFile: the blob of checkpoint #" + target + " is " + e.getReason()));
    }
    if (opened.isEmpty()) {
      return Optional.of(refused("BlobMissing: the blob of checkpoint #" + target + " is not on the volume"
          + (manifest.object() == null ? "" : " nor in the object store")));
    }
    try (BlobStore.Opened blob = opened.get()) {
      if (!blob.digest().equals(manifest.digest()) || blob.size() != manifest.size()) {
        return Optional.of(refused("DigestMismatch: the blob of checkpoint #" + target + " does not match its manifest"));
      }
      state.lastSequence(store.lastSequence(config.session()));
      try (InputStream in = blob.stream()) {
        CheckpointWriter.Outcome outcome = writer.write(in, blob.size(), metadata(manifest));
        if (outcome instanceof CheckpointWriter.Outcome.Committed committed) {
          return Optional.of(new Result(committed(target, committed.manifest()), false));
        }
        if (outcome instanceof CheckpointWriter.Outcome.Fenced) {
          return Optional.empty();
        }
        if (outcome instanceof CheckpointWriter.Outcome.Empty) {
          return Optional.of(refused("Empty: checkpoint #" + target + " holds no bytes"));
        }
        // Not established yet, or a sequence conflict: the startup check retries.
        throw new IOException("the rollback commit of #" + target + " was not taken yet: " + outcome);
      }
    }
  }

  private RestoreRecord committed(long target, Manifest copy) {
    return new RestoreRecord(config.epoch(), copy.sequence(), copy.digest(), false,
        "Rollback: restored checkpoint #" + target + ", committed again as #" + copy.sequence(), Instant.now());
  }

  private Result refused(String why) {
    return new Result(new RestoreRecord(config.epoch(), null, null, false,
        REFUSED + ": " + why + "; nothing restored", Instant.now()), true);
  }

  /** The target's own metadata, marked as a rollback (an already full set keeps the marker only). */
  private static Map<String, String> metadata(Manifest target) {
    Map<String, String> metadata = new TreeMap<>(target.metadata());
    metadata.put(ROLLBACK_OF, Long.toString(target.sequence()));
    try {
      return Manifest.validMetadata(metadata);
    } catch (IllegalArgumentException tooMuch) {
      return Map.of(ROLLBACK_OF, Long.toString(target.sequence()));
    }
  }
}
