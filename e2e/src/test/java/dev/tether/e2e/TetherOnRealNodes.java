package dev.tether.e2e;

import dev.tether.install.ChartOnRealCluster;
import dev.tether.testbed.real.ContainerImages;
import dev.tether.testbed.real.RealCluster;
import dev.tether.testbed.real.RealNode;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * One real cluster per test JVM with Tether installed by its Helm chart ({@link ChartOnRealCluster}): three
 * nodes, the first for the operator and etcd, two workers for sessions.
 */
final class TetherOnRealNodes {
  static final int NODES = 3;
  private static TetherOnRealNodes instance;

  final RealCluster cluster;
  final ChartOnRealCluster release;
  final String namespace;

  private TetherOnRealNodes(ChartOnRealCluster release) {
    this.release = release;
    this.cluster = release.cluster();
    this.namespace = release.namespace();
  }

  /** Empty where real nodes can run here, else why not (printed by the tests that skip). */
  static Optional<String> unavailableReason() {
    Optional<String> reason = RealCluster.unavailableReason();
    if (reason.isEmpty() && ContainerImages.available().keySet().stream()
        .noneMatch(ref -> ref.startsWith(ContainerImages.ETCD_REPOSITORY + ":"))) {
      return Optional.of("image " + ContainerImages.ETCD_REPOSITORY + " not built: run hack/build-images.sh");
    }
    return reason;
  }

  /**
   * Skips the calling test class, saying why, where real nodes cannot run; fails it instead where
   * {@code TETHER_REQUIRE_REAL_NODES=true} (CI on a machine that can run them must not skip quietly).
   */
  static void assumeAvailable(Class<?> testClass) {
    Optional<String> unavailable = unavailableReason();
    if (unavailable.isEmpty()) {
      return;
    }
    String message = testClass.getSimpleName() + ": real nodes unavailable: " + unavailable.get();
    if (RealCluster.required()) {
      throw new AssertionError(message + " (TETHER_REQUIRE_REAL_NODES=true)");
    }
    System.out.println(message + " (skipped)");
    org.junit.jupiter.api.Assumptions.abort(message);
  }

  static synchronized TetherOnRealNodes get() {
    if (instance == null) {
      RealCluster cluster = RealCluster.start(NODES);
      try {
        instance = new TetherOnRealNodes(ChartOnRealCluster.install(cluster));
      } catch (RuntimeException | Error e) {
        cluster.close(); // else the shutdown hook does
        throw e;
      }
    }
    return instance;
  }

  KubernetesClient client() {
    return cluster.client();
  }

  /** The two worker nodes, where sessions run. */
  List<RealNode> workers() {
    return cluster.nodes().subList(1, cluster.nodes().size());
  }

  Path repoRoot() {
    return release.chart().repoRoot();
  }

  String operatorLogs() {
    return release.operatorLogs();
  }
}
