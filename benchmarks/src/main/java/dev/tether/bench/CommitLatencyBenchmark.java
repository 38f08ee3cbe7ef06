package dev.tether.bench;

import dev.tether.store.CommitResult;
import dev.tether.store.ContextStore;
import dev.tether.store.Manifest;
import dev.tether.store.SessionKey;
import dev.tether.store.StoreConfig;
import dev.tether.supervisor.Supervisor;
import dev.tether.supervisor.SupervisorConfig;
import dev.tether.testbed.EtcdServer;
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

  private final int iterations;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private List<List<String>> rows;

  CommitLatencyBenchmark(int iterations) {
    this.iterations = iterations;
  }

  void run(Report report) throws IOException {
    Path volume = Files.createTempDirectory("tether-commit-");
    rows = Report.rows();
    try (EtcdServer etcd = EtcdServer.start();
         ContextStore store = ContextStore.connect(StoreConfig.of(etcd.endpoint()))) {
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
  }

  private long[] supervisor(EtcdServer etcd, ContextStore store, Path dir, byte[] blob) throws IOException {
    SessionKey session = SessionKey.of("bench", "supervisor-" + blob.length);
    store.advanceEpoch(session, 1);
    try (Supervisor supervisor = Supervisor.start(SupervisorConfig.of(session, 1, dir, StoreConfig.of(etcd.endpoint())))) {
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
