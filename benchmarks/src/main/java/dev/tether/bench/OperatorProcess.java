package dev.tether.bench;

import dev.tether.testbed.Ports;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The operator as its own JVM ({@code OperatorMain}, as in the Helm chart), so that its heap and CPU are its
 * own: heap from its Prometheus endpoint after a forced full GC ({@code jcmd GC.run}), CPU from /proc.
 */
final class OperatorProcess implements AutoCloseable {
  private static final long CLOCK_TICKS_PER_SECOND = 100; // USER_HZ on Linux
  private final Process process;
  private final int port;
  private final HttpClient http = HttpClient.newHttpClient();

  OperatorProcess(Path kubeconfig, String maxHeap, Map<String, String> env, Path log) {
    port = Ports.free();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder builder = new ProcessBuilder(List.of(java, "-Xmx" + maxHeap,
        "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
        "-cp", System.getProperty("java.class.path"), "dev.tether.operator.OperatorMain"))
        .redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().put("KUBECONFIG", kubeconfig.toString());
    builder.environment().put("TETHER_HTTP_PORT", Integer.toString(port));
    builder.environment().putAll(env);
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Await.until("operator process ready", Duration.ofSeconds(60), () -> {
      if (!process.isAlive()) {
        throw new IllegalStateException("operator process exited; see " + log);
      }
      return get("/readyz").equals("ok\n");
    });
  }

  long pid() {
    return process.pid();
  }

  /** Heap in use after a full GC, in bytes. */
  long heapAfterGc() {
    jcmd("GC.run");
    return get("/metrics").lines()
        .filter(l -> l.startsWith("jvm_memory_used_bytes{") && l.contains("area=\"heap\""))
        .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }

  /** Resident set size, in bytes. */
  long rss() {
    try (var lines = Files.lines(Path.of("/proc", Long.toString(pid()), "status"))) {
      return lines.filter(l -> l.startsWith("VmRSS:")).findFirst()
          .map(l -> Long.parseLong(l.replaceAll("\\D", "")) * 1024).orElse(-1L);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** User + system CPU time used so far, in milliseconds. */
  long cpuMillis() {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid()), "stat"));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
      return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * 1000 / CLOCK_TICKS_PER_SECOND;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The first {@code top} rows of the live-object class histogram ({@code jcmd GC.class_histogram}, which runs a
   * full GC first): rank, instances, bytes, class name.
   */
  List<String> classHistogram(int top) {
    return jcmd("GC.class_histogram").lines()
        .filter(l -> l.matches("\\s*\\d+:.*"))
        .limit(top)
        .toList();
  }

  private String jcmd(String command) {
    String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
    try {
      Process run = new ProcessBuilder(jcmd, Long.toString(pid()), command).redirectErrorStream(true).start();
      String output = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!run.waitFor(60, TimeUnit.SECONDS) || run.exitValue() != 0) {
        throw new IllegalStateException("jcmd " + command + " failed: " + output);
      }
      return output;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private String get(String path) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
