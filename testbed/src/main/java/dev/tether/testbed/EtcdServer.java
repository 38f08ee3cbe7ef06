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
