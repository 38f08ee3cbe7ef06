package dev.tether.bench;

import dev.tether.store.CommitResult;
import dev.tether.store.ContextStore;
import dev.tether.store.Manifest;
import dev.tether.store.SessionKey;
import dev.tether.store.StoreConfig;
import dev.tether.supervisor.ObjectStoreConfig;
import dev.tether.supervisor.Supervisor;
import dev.tether.supervisor.SupervisorConfig;
import dev.tether.testbed.EtcdServer;
import dev.tether.testbed.ObjectStoreServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Benchmark 5: what a checkpoint costs through the supervisor (HTTP on loopback, staged fsync'd blob, link,
 * directory fsync, fenced etcd transaction) against the floor (an fsync'd file write plus one etcd transaction),
 * alternating sizes on the same disk and etcd.
 */
final class CommitLatencyBenchmark {
  private static final int WARMUP = 10;
  private static final double TARGET_RATIO = 1.5;
  private static final String BUCKET = "bench";

  private final int iterations;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private List<List<String>> rows;
  private List<List<String>> tierRows;

  CommitLatencyBenchmark(int iterations) {
    this.iterations = iterations;
  }

  void run(Report report) throws IOException {
    Path volume = Files.createTempDirectory("tether-commit-");
    rows = Report.rows();
    tierRows = Report.rows();
    try (EtcdServer etcd = EtcdServer.start();
         ObjectStoreServer s3 = ObjectStoreServer.startNew();
         ContextStore store = ContextStore.connect(StoreConfig.of(etcd.endpoint()))) {
      s3.createBucket(BUCKET);
      for (int size : new int[] {1024, 1024 * 1024}) {
        byte[] blob = new byte[size];
        new Random(size).nextBytes(blob);
        String label = size >= 1024 * 1024 ? (size / (1024 * 1024)) + " MiB" : (size / 1024) + " KiB";
        Stats supervisor = Stats.ofNanos(supervisor(etcd, store, volume.resolve("s" + size), blob));
        Stats raw = Stats.ofNanos(raw(store, volume.resolve("r" + size), blob));
        double ratio = supervisor.p99() / raw.p99();
        rows.add(List.of(label, Integer.toString(iterations), Stats.millis(supervisor.p50()), Stats.millis(supervisor.p99()),
            Stats.millis(raw.p50()), Stats.millis(raw.p99()), String.format("%.2f", supervisor.p50() / raw.p50()),
            String.format("%.2f", ratio),
            ratio <= TARGET_RATIO ? "met" : String.format("MISSED by %.2fx", ratio - TARGET_RATIO)));
        Stats sync = Stats.ofNanos(supervisor(etcd, store, volume.resolve("t" + size), blob,
            tier(s3, "sync-" + size, ObjectStoreConfig.Mode.Synchronous)));
        Stats async = Stats.ofNanos(supervisor(etcd, store, volume.resolve("a" + size), blob,
            tier(s3, "async-" + size, ObjectStoreConfig.Mode.Asynchronous)));
        tierRows.add(List.of(label, Integer.toString(iterations), Stats.millis(supervisor.p50()),
            Stats.millis(supervisor.p99()), Stats.millis(sync.p50()), Stats.millis(sync.p99()),
            Stats.millis(async.p50()), Stats.millis(async.p99()),
            String.format("%.2f", sync.p99() / supervisor.p99()), String.format("%.2f", async.p99() / supervisor.p99())));
      }
    } finally {
      try (var files = Files.walk(volume)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    report.heading("5. Checkpoint commit latency");
    report.line("Through the supervisor: an agent's `POST /v1/checkpoints` on loopback until `201` (blob staged, "
        + "fsync'd, linked, directory fsync'd, manifest committed in a fenced etcd transaction). Raw: write + fsync "
        + "the same blob to a file, then one fenced etcd commit through the same store client. Same disk (the "
        + "temporary directory, on the root file system, not tmpfs), same single-member etcd 3.4 (Debian) on loopback; " + WARMUP
        + " warm-up commits each are not counted.");
    report.line("");
    report.table(List.of("blob", "n", "supervisor p50", "supervisor p99", "raw p50", "raw p99", "ratio p50",
        "ratio p99", "target p99 ratio <= 1.5"), rows);
    report.line("");
    report.line("With the object-store tier, same run: S3Proxy 2.6.0 (filesystem backend on the same disk) on "
        + "loopback. Synchronous: the upload is inside the commit. Asynchronous (maxLag 30 s): uploaded after the "
        + "201 by the supervisor's uploader.");
    report.line("");
    report.table(List.of("blob", "n", "no tier p50", "no tier p99", "synchronous p50", "synchronous p99",
        "asynchronous p50", "asynchronous p99", "sync/none p99", "async/none p99"), tierRows);
  }

  private static ObjectStoreConfig tier(ObjectStoreServer s3, String name, ObjectStoreConfig.Mode mode) {
    return new ObjectStoreConfig(s3.endpoint(), s3.region(), BUCKET, "bench/" + name + "/", true, s3.accessKeyId(),
        s3.secretAccessKey()).withMode(mode, ObjectStoreConfig.DEFAULT_MAX_LAG);
  }

  private long[] supervisor(EtcdServer etcd, ContextStore store, Path dir, byte[] blob) throws IOException {
    return supervisor(etcd, store, dir, blob, null);
  }

  /** Retention keeps every checkpoint of the run, so the asynchronous tier's lag bound is its maxLag only. */
  private long[] supervisor(EtcdServer etcd, ContextStore store, Path dir, byte[] blob, ObjectStoreConfig tier)
      throws IOException {
    SessionKey session = SessionKey.of("bench", "supervisor-" + blob.length
        + (tier == null ? "" : "-" + tier.mode().name().toLowerCase(java.util.Locale.ROOT)));
    store.advanceEpoch(session, 1);
    SupervisorConfig config = SupervisorConfig.of(session, 1, dir, StoreConfig.of(etcd.endpoint()));
    if (tier != null) {
      config = config.withRetain(1000).withObjectStore(tier);
    }
    try (Supervisor supervisor = Supervisor.start(config)) {
      Await.until("supervisor ready", Duration.ofSeconds(30), supervisor::ready);
      URI uri = URI.create("http://127.0.0.1:" + supervisor.port() + "/v1/checkpoints");
      long[] nanos = new long[iterations];
      for (int i = -WARMUP; i < iterations; i++) {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
            .POST(HttpRequest.BodyPublishers.ofByteArray(blob)).build();
        long start = System.nanoTime();
        int status = send(request);
        long took = System.nanoTime() - start;
        if (status != 201) {
          throw new IllegalStateException("commit failed: HTTP " + status);
        }
        if (i >= 0) {
          nanos[i] = took;
        }
      }
      return nanos;
    }
  }

  private int send(HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The floor: write + fsync the file, one fenced etcd transaction. */
  private long[] raw(ContextStore store, Path dir, byte[] blob) throws IOException {
    SessionKey session = SessionKey.of("bench", "raw-" + blob.length);
    store.advanceEpoch(session, 1);
    Files.createDirectories(dir);
    long[] nanos = new long[iterations];
    for (int i = -WARMUP; i < iterations; i++) {
      long sequence = i + WARMUP + 1;
      long start = System.nanoTime();
      try (FileChannel channel = FileChannel.open(dir.resolve(sequence + ".blob"), StandardOpenOption.CREATE,
          StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer buffer = ByteBuffer.wrap(blob);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
        channel.force(true);
      }
      CommitResult result = store.commit(session, 1, new Manifest(sequence, 1,
          "sha256:" + "0".repeat(64), blob.length, Instant.now(), Map.of()));
      long took = System.nanoTime() - start;
      if (!(result instanceof CommitResult.Committed)) {
        throw new IllegalStateException("raw commit failed: " + result);
      }
      if (i >= 0) {
        nanos[i] = took;
      }
    }
    return nanos;
  }
}
