package dev.tether.supervisor;

import dev.tether.store.CommitResult;
import dev.tether.store.ContextStore;
import dev.tether.store.Manifest;
import dev.tether.store.SessionKey;
import dev.tether.store.StoreConfig;
import dev.tether.testbed.EtcdServer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;

/**
 * Not a test: measures what a checkpoint costs through the supervisor (HTTP on loopback, staged fsync'd blob,
 * link, directory fsync, fenced etcd transaction) against the bare minimum (an fsync'd file write plus one etcd
 * transaction), in the same run on the same disk and etcd. Prints p50/p99 per blob size.
 *
 * <p>Run: {@code mvn -pl supervisor -am test-compile} then {@code java -cp <test classpath>
 * dev.tether.supervisor.CommitLatencyProbe [iterations]}.
 */
public final class CommitLatencyProbe {
  private static final int WARMUP = 10;

  private CommitLatencyProbe() {}

  public static void main(String[] args) throws Exception {
    int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 100;
    Path volume = Files.createTempDirectory("tether-probe-");
    System.out.printf("%-8s %-12s %6s %10s %10s%n", "blob", "path", "n", "p50 ms", "p99 ms");
    try (EtcdServer etcd = EtcdServer.start();
         ContextStore store = ContextStore.connect(StoreConfig.of(etcd.endpoint()))) {
      for (int size : new int[] {1024, 1024 * 1024}) {
        byte[] blob = new byte[size];
        new Random(size).nextBytes(blob);
        String label = size >= 1024 * 1024 ? (size / (1024 * 1024)) + " MiB" : (size / 1024) + " KiB";
        print(label, "supervisor", supervisor(etcd, store, volume.resolve("s" + size), blob, iterations));
        print(label, "raw", raw(store, volume.resolve("r" + size), blob, iterations));
      }
    } finally {
      try (var files = Files.walk(volume)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static long[] supervisor(EtcdServer etcd, ContextStore store, Path dir, byte[] blob, int iterations)
      throws IOException {
    SessionKey session = SessionKey.of("probe", "supervisor-" + blob.length);
    store.advanceEpoch(session, 1);
    try (Supervisor supervisor = Supervisor.start(SupervisorConfig.of(session, 1, dir, StoreConfig.of(etcd.endpoint())))) {
      AgentClient agent = new AgentClient(supervisor);
      org.awaitility.Awaitility.await().until(() -> agent.status("/readyz") == 200);
      long[] nanos = new long[iterations];
      for (int i = -WARMUP; i < iterations; i++) {
        long start = System.nanoTime();
        int status = agent.post(blob, Map.of()).statusCode();
        long took = System.nanoTime() - start;
        if (status != 201) {
          throw new IllegalStateException("commit failed: " + status);
        }
        if (i >= 0) {
          nanos[i] = took;
        }
      }
      return nanos;
    }
  }

  /** The floor: write + fsync the file, one fenced etcd transaction. */
  private static long[] raw(ContextStore store, Path dir, byte[] blob, int iterations) throws IOException {
    SessionKey session = SessionKey.of("probe", "raw-" + blob.length);
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

  private static void print(String blob, String path, long[] nanos) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    System.out.printf("%-8s %-12s %6d %10.2f %10.2f%n", blob, path, sorted.length,
        percentile(sorted, 0.50) / 1e6, percentile(sorted, 0.99) / 1e6);
  }

  private static long percentile(long[] sorted, double p) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
  }
}
