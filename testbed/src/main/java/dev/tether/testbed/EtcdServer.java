package dev.tether.testbed;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;

/**
 * A standalone single-member etcd on loopback, for the checkpoint context store. It can be stopped and
 * started again on the same ports with its data kept, to test what happens while the store is down.
 */
public final class EtcdServer implements AutoCloseable {
  private final Path dir;
  private final int clientPort;
  private final int peerPort;
  /** With TLS on the client port: the serving certificate, signed by a CA of the server's own. */
  private final CertificateAuthority.Issued serving;
  private final Path caFile;
  /** Plain HTTP /health, where the client port speaks TLS. */
  private final int metricsPort;
  private LocalProcess process;

  private EtcdServer(Path dir, int clientPort, int peerPort, CertificateAuthority ca) {
    this.dir = dir;
    this.clientPort = clientPort;
    this.peerPort = peerPort;
    this.serving = ca == null ? null : ca.issueServer(dir, "etcd-serving", List.of("127.0.0.1"), List.of("localhost"));
    this.caFile = ca == null ? null : ca.files().certificate();
    this.metricsPort = ca == null ? 0 : Ports.free();
  }

  /** Starts a fresh etcd with an empty data directory. */
  public static EtcdServer start() {
    return start(false);
  }

  /**
   * Starts a fresh etcd whose client port speaks TLS only ({@link #endpoint()} is {@code https://}), with a
   * serving certificate for 127.0.0.1 from a new CA ({@link #caFile()}).
   */
  public static EtcdServer startWithTls() {
    return start(true);
  }

  private static EtcdServer start(boolean tls) {
    try {
      Path dir = Files.createTempDirectory("tether-etcd-");
      EtcdServer server = new EtcdServer(dir, Ports.free(), Ports.free(),
          tls ? CertificateAuthority.create(dir) : null);
      server.startProcess();
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public int clientPort() {
    return clientPort;
  }

  public String endpoint() {
    return (serving == null ? "http" : "https") + "://127.0.0.1:" + clientPort;
  }

  /** The CA that signed the serving certificate; null without TLS. */
  public Path caFile() {
    return caFile;
  }

  public synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  /** Starts the process again after {@link #stop()}, same ports, same data. */
  public synchronized void startProcess() {
    if (isRunning()) {
      return;
    }
    String peer = "http://127.0.0.1:" + peerPort;
    List<String> command = new java.util.ArrayList<>(List.of(Binaries.etcd().toString(),
        "--name", "tether",
        "--data-dir", dir.resolve("data").toString(),
        "--listen-client-urls", endpoint(),
        "--advertise-client-urls", endpoint(),
        "--listen-peer-urls", peer,
        "--initial-advertise-peer-urls", peer,
        "--initial-cluster", "tether=" + peer));
    String healthUrl = endpoint() + "/health";
    if (serving != null) {
      command.addAll(List.of("--cert-file", serving.certificate().toString(), "--key-file", serving.key().toString(),
          "--listen-metrics-urls", "http://127.0.0.1:" + metricsPort));
      healthUrl = "http://127.0.0.1:" + metricsPort + "/health";
    }
    process = LocalProcess.start("etcd", command, dir.resolve("etcd.log"));
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    HttpRequest health = HttpRequest.newBuilder(URI.create(healthUrl)).timeout(Duration.ofSeconds(2)).build();
    Poll.until(process.describe(), Duration.ofSeconds(30), process::isAlive, () -> healthy(http, health));
  }

  /** Stops the process (SIGTERM, then SIGKILL); the data stays. */
  public synchronized void stop() {
    if (process != null) {
      process.stop();
      process = null;
    }
  }

  /**
   * Drops every change made so far from etcd's history, as its auto-compaction does in time: writes one key and
   * compacts at that write's revision (compaction keeps the revision it is given), so a watch that resumes from
   * an earlier revision is told it was compacted. Through etcd's JSON gateway; plain HTTP only.
   */
  public void compactHistory() {
    if (serving != null) {
      throw new IllegalStateException("compactHistory speaks plain HTTP");
    }
    String put = gateway("/v3/kv/put", "{\"key\":\"" + base64("/testbed/compaction-mark") + "\",\"value\":\""
        + base64(Long.toString(System.nanoTime())) + "\"}");
    java.util.regex.Matcher revision = java.util.regex.Pattern.compile("\"revision\":\"(\\d+)\"").matcher(put);
    if (!revision.find()) {
      throw new IllegalStateException("no revision in etcd's answer: " + put);
    }
    gateway("/v3/kv/compaction", "{\"revision\":\"" + revision.group(1) + "\",\"physical\":true}");
  }

  /** A call to etcd's JSON gateway ({@code /v3/kv/put}, {@code /v3/kv/range}, ...: keys and values base64). */
  public String gateway(String path, String json) {
    try {
      HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
              URI.create(endpoint() + path)).timeout(Duration.ofSeconds(10))
          .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IllegalStateException(path + " answered " + response.statusCode() + ": " + response.body());
      }
      return response.body();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public static String base64(String text) {
    return java.util.Base64.getEncoder().encodeToString(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  private static boolean healthy(HttpClient http, HttpRequest health) {
    try {
      HttpResponse<String> response = http.send(health, HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200 && response.body().contains("true");
    } catch (IOException e) {
      return false; // not listening yet
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    stop();
    try (var files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // temp directory
    }
  }
}
