package dev.tether.operator;

import dev.tether.operator.checkpoint.CheckpointStoreSettings;
import dev.tether.operator.checkpoint.CheckpointWiring;
import dev.tether.operator.events.EventRecorder;
import dev.tether.operator.eviction.EvictionRecorder;
import dev.tether.operator.eviction.EvictionWebhook;
import dev.tether.operator.eviction.ServingCertificate;
import dev.tether.operator.http.OperatorEndpoints;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.util.Map;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entry point of the operator process: settings from the environment, the operator, and one HTTP port
 * for {@code /metrics} (Prometheus), {@code /healthz}, {@code /readyz} and {@code /startupz}.
 */
public final class OperatorMain {
  private static final Logger LOG = LoggerFactory.getLogger(OperatorMain.class);

  private OperatorMain() {}

  public static void main(String[] args) throws Exception {
    OperatorSettings settings = OperatorSettings.fromEnv(System.getenv());
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    java.util.concurrent.atomic.AtomicBoolean stopping = new java.util.concurrent.atomic.AtomicBoolean();
    new JvmMemoryMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    var client = new KubernetesClientBuilder().build();
    CheckpointWiring checkpoints = CheckpointStoreSettings.fromEnv(System.getenv())
        .map(store -> CheckpointWiring.connect(store, Duration.ofSeconds(5), nativeSidecar(settings, client)))
        .orElse(null);
    if (checkpoints == null) {
      LOG.warn("TETHER_ETCD_ENDPOINTS is empty: running without a checkpoint store (epochs in status only, "
          + "no supervisor injected)");
    }
    TetherOperator operator = TetherOperator.builder(client)
        .settings(settings)
        .checkpoints(checkpoints)
        .metrics(MicrometerMetrics.withoutPerResourceMetrics(registry))
        .meterRegistry(registry)
        .onLostLeadership(() -> {
          if (!stopping.get()) {
            LOG.error("lost leadership; exiting so that this replica restarts as a standby");
            new Thread(() -> System.exit(1), "tether-exit").start();
          }
        })
        .start();
    OperatorEndpoints http = serve(settings.httpPort(), registry, operator);
    EvictionWebhook webhook = evictionWebhook(System.getenv(), client);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("shutting down");
      stopping.set(true);
      http.close();
      if (webhook != null) {
        webhook.close();
      }
      operator.close();
      if (checkpoints != null) {
        checkpoints.close();
      }
      client.close();
      stopped.countDown();
    }, "tether-shutdown"));
    LOG.info("tether operator started; watching {}", settings.watchNamespaces().isEmpty() ? "all namespaces"
        : settings.watchNamespaces());
    stopped.await();
  }

  /** Whether to inject the supervisor as a native sidecar, asking the apiserver's version when set to auto. */
  private static boolean nativeSidecar(OperatorSettings settings, KubernetesClient client) {
    var version = settings.nativeSidecar() == OperatorSettings.NativeSidecar.AUTO ? client.getKubernetesVersion()
        : null;
    boolean on = version == null ? settings.nativeSidecar().resolve("0", "0")
        : settings.nativeSidecar().resolve(version.getMajor(), version.getMinor());
    LOG.info("supervisor injected as {}{}", on ? "a native sidecar (init container, restartPolicy Always)"
        : "an ordinary container, stopped by the operator when the agent finishes",
        version == null ? "" : " (apiserver " + version.getGitVersion() + ")");
    return on;
  }

  /**
   * The eviction webhook (see {@link EvictionWebhook}) where the chart gave it a certificate
   * ({@code TETHER_WEBHOOK_CERT_DIR} with tls.crt and tls.key), on {@code TETHER_WEBHOOK_PORT} (9443).
   */
  private static EvictionWebhook evictionWebhook(Map<String, String> env, KubernetesClient client) throws IOException {
    String dir = env.get("TETHER_WEBHOOK_CERT_DIR");
    if (dir == null || dir.isBlank()) {
      return null;
    }
    int port = Integer.parseInt(env.getOrDefault("TETHER_WEBHOOK_PORT", "9443"));
    return EvictionWebhook.start(port, ServingCertificate.fromDirectory(Path.of(dir)),
        new EvictionRecorder(client, new EventRecorder(client)));
  }

  /** The operator's HTTP port (see {@link OperatorEndpoints}), wired to its registry and its runtime state. */
  static OperatorEndpoints serve(int port, PrometheusMeterRegistry registry, TetherOperator operator)
      throws IOException {
    return OperatorEndpoints.start(port, registry::scrape, () -> operator.operator().getRuntimeInfo().isStarted(),
        operator::isHealthy);
  }
}
