package dev.tether.supervisor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The sidecar process: configuration from {@code TETHER_*} environment variables, logs to stderr.
 *
 * <p>It exits 0 when the operator asks it to (the agent has finished, so the pod can complete), and on SIGTERM
 * it keeps serving until the agent's final checkpoint is answered (see {@link Supervisor#drain}).
 */
public final class SupervisorMain {
  private SupervisorMain() {}

  public static void main(String[] args) throws Exception {
    // One line per event on stderr, with a timestamp; the libraries only when something is wrong.
    System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
    System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
    System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX");
    System.setProperty("org.slf4j.simpleLogger.showThreadName", "false");
    System.setProperty("org.slf4j.simpleLogger.log.io", "warn");
    // jetcd's Vert.x would unpack class-path resources into a cache directory: nothing it serves needs that,
    // and the root file system is read-only.
    System.setProperty("vertx.disableFileCPResolving", "true");
    SupervisorConfig config;
    try {
      config = SupervisorConfig.fromEnv(withCaFile(System.getenv()));
    } catch (RuntimeException | IOException e) {
      System.err.println("tether-supervisor: bad configuration: " + e.getMessage());
      System.exit(2);
      return;
    }
    Supervisor supervisor = Supervisor.start(config);
    SupervisorConfig.Lifecycle lifecycle = config.lifecycle();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        supervisor.drain(lifecycle.nativeSidecar() ? java.time.Duration.ZERO : lifecycle.shutdownTimeout());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      supervisor.close();
    }, "tether-supervisor-shutdown"));
    supervisor.awaitStopRequest();
    System.exit(0);
  }

  /**
   * The operator passes the etcd CA as PEM text ({@code TETHER_ETCD_CA_PEM}): session namespaces cannot mount
   * the Secret it lives in. Written to a file for the TLS setup, unless a CA file is given.
   */
  static Map<String, String> withCaFile(Map<String, String> env) throws IOException {
    String pem = env.get("TETHER_ETCD_CA_PEM");
    if (pem == null || pem.isBlank() || env.containsKey("TETHER_ETCD_CA_FILE")) {
      return env;
    }
    Path file = Files.createTempFile("tether-etcd-ca-", ".pem");
    Files.writeString(file, pem);
    Map<String, String> result = new HashMap<>(env);
    result.put("TETHER_ETCD_CA_FILE", file.toString());
    return result;
  }
}
