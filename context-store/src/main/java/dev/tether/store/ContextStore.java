package dev.tether.store;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checkpoint manifests, fencing epochs, restore records and checkpoint requests of agent sessions, in etcd.
 * Every call either completes within the configured operation timeout or throws a {@link StoreException}
 * ({@link StoreUnavailableException} when etcd cannot be reached). Thread-safe.
 */
public final class ContextStore implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ContextStore.class);

  private final StoreConfig config;
  private final Client client;
  private final KV kv;
  private final KeyLayout keys;
  private final EtcdCalls calls;
  private final ScheduledExecutorService rewatcher;

  private ContextStore(StoreConfig config, Client client) {
    this.config = config;
    this.client = client;
    this.kv = client.getKVClient();
    this.keys = new KeyLayout(config.rootPrefix());
    this.calls = new EtcdCalls(config.operationTimeout());
    this.rewatcher = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread thread = new Thread(r, "tether-store-rewatch");
      thread.setDaemon(true);
      return thread;
    });
  }

  /** Creates the client; connecting is lazy, so this does not fail when etcd is down. */
  public static ContextStore connect(StoreConfig config) {
    return new ContextStore(config, clientFor(config));
  }

  static Client clientFor(StoreConfig config) {
    Duration timeout = config.operationTimeout();
    ClientBuilder builder = Client.builder()
        .endpoints(config.endpoints().toArray(String[]::new))
        .connectTimeout(timeout)
        // Fail fast while etcd is down instead of queueing calls that would run whenever it is back, and
        // give every unary call a gRPC deadline: a call we reported as failed must not land later.
        .waitForReady(false)
        .interceptor(new CallDeadline(timeout))
        // jetcd retries retryable failures on its own; never longer than one of our calls may take.
        .retryMaxDuration(timeout)
        .keepaliveTime(Duration.ofSeconds(10))
        .keepaliveTimeout(Duration.ofSeconds(5));
    config.user().ifPresent(user -> builder
        .user(bytes(user))
        .password(bytes(config.password())));
    // jetcd ignores the scheme: without an SSL context it speaks plaintext even to https:// endpoints, and
    // never connects to a TLS port. An https:// endpoint with no CA of ours trusts the JVM's default CAs.
    boolean https = config.endpoints().stream().anyMatch(e -> e.startsWith("https://"));
    if (config.caFile() != null || config.certFile() != null || https) {
      try {
        builder.sslContext(ssl -> {
          if (config.caFile() != null) {
            ssl.trustManager(config.caFile().toFile());
          }
          if (config.certFile() != null) {
            ssl.keyManager(config.certFile().toFile(), config.keyFile().toFile());
          }
        });
      } catch (SSLException e) {
        throw new IllegalArgumentException("bad TLS files in " + config, e);
      }
    }
    return builder.build();
  }

  public StoreConfig config() {
    return config;
  }

  public KeyLayout keys() {
    return keys;
  }

  Client client() {
    return client;
  }

  EtcdCalls calls() {
    return calls;
  }

  // ---- fencing epoch ----

  /** The session's fencing epoch; 0 when none was ever set. */
  public long epoch(SessionKey session) {
    return number(get("read epoch of " + session, keys.epoch(session)));
  }

  /**
   * Sets the epoch to {@code next} in one transaction if the stored epoch is smaller (or absent). Returns the
   * stored epoch after the call: {@code next} on success or when it was already {@code next}, else the larger
   * stored value. The operator calls this before it creates the pod of a new incarnation.
   */
  public long advanceEpoch(SessionKey session, long next) {
    if (next < 1) {
      throw new IllegalArgumentException("epoch must be >= 1: " + next);
    }
    ByteSequence key = bytes(keys.epoch(session));
    Op put = Op.put(key, bytes(KeyLayout.pad(next)), PutOption.DEFAULT);
    // A value comparison on a missing key is always false in etcd, hence the nested transaction.
    TxnResponse response = calls.await("advance epoch of " + session + " to " + next, kv.txn()
        .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.version(0)))
        .Then(put)
        .Else(Op.txn(new Cmp[] {new Cmp(key, Cmp.Op.LESS, CmpTarget.value(bytes(KeyLayout.pad(next))))},
            new Op[] {put}, new Op[] {Op.get(key, GetOption.DEFAULT)}))
        .commit());
    if (response.isSucceeded()) {
      return next;
    }
    TxnResponse nested = response.getTxnResponses().get(0);
    return nested.isSucceeded() ? next : number(nested.getGetResponses().get(0));
  }

  // ---- checkpoints ----

  /**
   * Commits a manifest in one transaction, only if the stored epoch equals {@code epoch} and the manifest's
   * sequence is greater than the last committed one.
   */
  public CommitResult commit(SessionKey session, long epoch, Manifest manifest) {
    return commit(session, epoch, manifest, 0);
  }

  /**
   * Like {@link #commit(SessionKey, long, Manifest)}, and in the same transaction applies retention: deletes the
   * manifests with a sequence up to {@code manifest.sequence() - retain} (0 keeps everything). Saves the
   * separate read and write of {@link #prune} on every checkpoint; the caller deletes blobs up to that sequence.
   */
  public CommitResult commit(SessionKey session, long epoch, Manifest manifest, int retain) {
    if (retain < 0) {
      throw new IllegalArgumentException("retain must be >= 0: " + retain);
    }
    if (manifest.epoch() != epoch) {
      throw new IllegalArgumentException("manifest epoch " + manifest.epoch() + " is not the caller's " + epoch);
    }
    ByteSequence epochKey = bytes(keys.epoch(session));
    ByteSequence lastKey = bytes(keys.lastSequence(session));
    ByteSequence sequence = bytes(KeyLayout.pad(manifest.sequence()));
    List<Op> writeList = new ArrayList<>(List.of(
        Op.put(bytes(keys.checkpoint(session, manifest.sequence())), ByteSequence.from(Json.manifest(manifest)),
            PutOption.DEFAULT),
        Op.put(lastKey, sequence, PutOption.DEFAULT)));
    long pruneUpTo = retain == 0 ? 0 : manifest.sequence() - retain;
    if (pruneUpTo >= 1) {
      writeList.add(Op.delete(bytes(keys.checkpoints(session)),
          DeleteOption.builder().withRange(bytes(keys.checkpoint(session, pruneUpTo + 1))).build()));
    }
    Op[] writes = writeList.toArray(Op[]::new);
    Op firstOrNewer = Op.txn(
        new Cmp[] {new Cmp(lastKey, Cmp.Op.EQUAL, CmpTarget.version(0))},
        writes,
        new Op[] {Op.txn(new Cmp[] {new Cmp(lastKey, Cmp.Op.LESS, CmpTarget.value(sequence))},
            writes, new Op[] {Op.get(lastKey, GetOption.DEFAULT)})});
    TxnResponse response = calls.await("commit checkpoint " + manifest.sequence() + " of " + session, kv.txn()
        .If(new Cmp(epochKey, Cmp.Op.EQUAL, CmpTarget.value(bytes(KeyLayout.pad(epoch)))))
        .Then(firstOrNewer)
        .Else(Op.get(epochKey, GetOption.DEFAULT))
        .commit());
    if (!response.isSucceeded()) {
      return new CommitResult.Fenced(epoch, number(response.getGetResponses().get(0)));
    }
    TxnResponse first = response.getTxnResponses().get(0);
    if (first.isSucceeded()) {
      return new CommitResult.Committed(manifest);
    }
    TxnResponse newer = first.getTxnResponses().get(0);
    if (newer.isSucceeded()) {
      return new CommitResult.Committed(manifest);
    }
    return new CommitResult.SequenceConflict(manifest.sequence(), number(newer.getGetResponses().get(0)));
  }

  /** The last committed sequence (0 when none); it survives pruning, so sequences never repeat. */
  public long lastSequence(SessionKey session) {
    return number(get("read last sequence of " + session, keys.lastSequence(session)));
  }

  /** All manifests of the session, newest first. */
  public List<Manifest> manifests(SessionKey session) {
    return manifests(session, 0);
  }

  public Optional<Manifest> latest(SessionKey session) {
    return manifests(session, 1).stream().findFirst();
  }

  private List<Manifest> manifests(SessionKey session, long limit) {
    GetResponse response = calls.await("list checkpoints of " + session, kv.get(bytes(keys.checkpoints(session)),
        GetOption.builder().isPrefix(true).withLimit(limit)
            .withSortField(GetOption.SortTarget.KEY).withSortOrder(GetOption.SortOrder.DESCEND).build()));
    List<Manifest> manifests = new ArrayList<>();
    for (KeyValue kv : response.getKvs()) {
      try {
        manifests.add(Json.manifest(kv.getValue().getBytes()));
      } catch (RuntimeException e) {
        LOG.warn("skipping unreadable manifest {}: {}", kv.getKey().toString(UTF_8), e.getMessage());
      }
    }
    return manifests;
  }

  public void deleteManifests(SessionKey session, Collection<Long> sequences) {
    if (sequences.isEmpty()) {
      return;
    }
    Op[] deletes = sequences.stream().distinct()
        .map(sequence -> Op.delete(bytes(keys.checkpoint(session, sequence)), DeleteOption.DEFAULT))
        .toArray(Op[]::new);
    calls.await("delete checkpoints " + sequences + " of " + session, kv.txn().Then(deletes).commit());
  }

  /**
   * Keeps the newest {@code retain} manifests and deletes the others; returns the deleted ones so the caller
   * can delete their blobs.
   */
  public List<Manifest> prune(SessionKey session, int retain) {
    if (retain < 1) {
      throw new IllegalArgumentException("retain must be >= 1: " + retain);
    }
    List<Manifest> all = manifests(session);
    if (all.size() <= retain) {
      return List.of();
    }
    List<Manifest> removed = List.copyOf(all.subList(retain, all.size()));
    deleteManifests(session, removed.stream().map(Manifest::sequence).toList());
    return removed;
  }

  // ---- restores ----

  public void recordRestore(SessionKey session, RestoreRecord record) {
    calls.await("record restore of " + session, kv.put(bytes(keys.restore(session, record.epoch())),
        ByteSequence.from(Json.restore(record))));
  }

  public Optional<RestoreRecord> restore(SessionKey session, long epoch) {
    return value(get("read restore of " + session, keys.restore(session, epoch))).map(Json::restore);
  }

  // ---- object-store tier ----

  /**
   * Records how far the object-store tier of incarnation {@code state.epoch()} is, only while that epoch owns the
   * session: a fenced incarnation's uploader cannot overwrite its successor's. Returns whether it was recorded.
   */
  public boolean recordUploads(SessionKey session, UploadState state) {
    TxnResponse response = calls.await("record uploads of " + session, kv.txn()
        .If(new Cmp(bytes(keys.epoch(session)), Cmp.Op.EQUAL, CmpTarget.value(bytes(KeyLayout.pad(state.epoch())))))
        .Then(Op.put(bytes(keys.uploads(session)), ByteSequence.from(Json.uploads(state)), PutOption.DEFAULT))
        .commit());
    return response.isSucceeded();
  }

  public Optional<UploadState> uploads(SessionKey session) {
    return value(get("read uploads of " + session, keys.uploads(session))).map(Json::uploads);
  }

  // ---- planned moves ----

  public void requestCheckpoint(SessionKey session, CheckpointRequest request) {
    calls.await("request checkpoint of " + session, kv.put(bytes(keys.checkpointRequest(session)),
        ByteSequence.from(Json.request(request))));
  }

  public Optional<CheckpointRequest> checkpointRequest(SessionKey session) {
    return value(get("read checkpoint request of " + session, keys.checkpointRequest(session))).map(Json::request);
  }

  public void clearCheckpointRequest(SessionKey session) {
    calls.await("clear checkpoint request of " + session, kv.delete(bytes(keys.checkpointRequest(session))));
  }

  // ---- completion ----

  /**
   * Asks the supervisor of incarnation {@code epoch} to exit: its agent has finished, and a sidecar that kept
   * running would keep the pod from completing. Incarnations of other epochs ignore it.
   */
  public void requestStop(SessionKey session, long epoch) {
    calls.await("request stop of " + session + " epoch " + epoch, kv.put(bytes(keys.stopRequest(session)),
        bytes(KeyLayout.pad(epoch))));
  }

  /** The epoch whose supervisor was asked to exit, if any. */
  public Optional<Long> stopRequest(SessionKey session) {
    GetResponse response = get("read stop request of " + session, keys.stopRequest(session));
    return response.getKvs().isEmpty() ? Optional.empty() : Optional.of(number(response));
  }

  // ---- whole session ----

  /**
   * Deletes the session's checkpoints, restore records and requests in one transaction, and keeps its epoch:
   * a later session of the same name then starts above every epoch the deleted one used, so none of its
   * incarnations that still runs somewhere can ever commit into the new session.
   */
  public void deleteCheckpoints(SessionKey session) {
    DeleteOption prefix = DeleteOption.builder().isPrefix(true).build();
    calls.await("delete checkpoints of " + session, kv.txn().Then(
        Op.delete(bytes(keys.lastSequence(session)), DeleteOption.DEFAULT),
        Op.delete(bytes(keys.checkpoints(session)), prefix),
        Op.delete(bytes(keys.restores(session)), prefix),
        Op.delete(bytes(keys.checkpointRequest(session)), DeleteOption.DEFAULT),
        Op.delete(bytes(keys.stopRequest(session)), DeleteOption.DEFAULT)).commit());
  }

  /** Deletes every key of the session (epoch, manifests, restores, requests). */
  public void deleteSession(SessionKey session) {
    calls.await("delete " + session, kv.delete(bytes(keys.session(session)),
        DeleteOption.builder().isPrefix(true).build()));
  }

  // ---- watch ----

  /** Receives decoded changes; called on a jetcd thread, so keep it short. */
  public interface Listener {
    void onEvent(StoreEvent event);

    /** The watch was interrupted; it is re-established by itself. Events may have been missed when compacted. */
    default void onError(StoreException error) {}

    /**
     * etcd had compacted the events the watch missed while it was cut, so it resumed from now: whatever it watches
     * must be read again. Called once the new watch is in place, so a read made then misses nothing.
     */
    default void onResynced() {}
  }

  /** A running watch; close it to stop. */
  public interface Watch extends AutoCloseable {
    @Override
    void close();
  }

  /** Watches every session under the root prefix. */
  public Watch watch(Listener listener) {
    return watchPrefix(keys.sessions(), listener);
  }

  /** Watches the sessions of one namespace (what a tenant's credentials allow). */
  public Watch watch(String namespace, Listener listener) {
    return watchPrefix(keys.namespace(namespace), listener);
  }

  /** Watches one session. */
  public Watch watch(SessionKey session, Listener listener) {
    return watchPrefix(keys.session(session), listener);
  }

  private Watch watchPrefix(String prefix, Listener listener) {
    return ResumingWatch.start(client.getWatchClient(), bytes(prefix), new EventDecoder(keys), listener, rewatcher);
  }

  @Override
  public void close() {
    rewatcher.shutdownNow();
    client.close();
  }

  // ---- helpers ----

  private GetResponse get(String what, String key) {
    return calls.await(what, kv.get(bytes(key)));
  }

  private static Optional<byte[]> value(GetResponse response) {
    return response.getKvs().stream().findFirst().map(kv -> kv.getValue().getBytes());
  }

  private static long number(GetResponse response) {
    return value(response).map(v -> Long.parseLong(new String(v, UTF_8).trim())).orElse(0L);
  }

  static ByteSequence bytes(String text) {
    return ByteSequence.from(text, UTF_8);
  }
}
