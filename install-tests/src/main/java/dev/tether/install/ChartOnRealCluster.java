package dev.tether.install;

import static org.awaitility.Awaitility.await;

import dev.tether.testbed.real.ContainerImages;
import dev.tether.testbed.real.RealCluster;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Tether installed by its Helm chart on a cluster of real nodes: the operator image (two replicas, leader
 * election) and the quick-start etcd run as real pods on the infrastructure node, under the chart's RBAC and
 * security contexts; sessions run on the other nodes. Images are never pulled (they are imported into every
 * node). There is no cluster DNS, so the quick-start etcd gets a fixed Service IP that the operator and the
 * supervisors use.
 */
public final class ChartOnRealCluster {
  public static final String RELEASE = "tether";
  public static final String ETCD_SERVICE_IP = "10.0.0.100";
  private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(4);

  private final RealCluster cluster;
  private final String namespace;
  private final TetherChart chart;

  private ChartOnRealCluster(RealCluster cluster, String namespace, TetherChart chart) {
    this.cluster = cluster;
    this.namespace = namespace;
    this.chart = chart;
  }

  /** The operator-wide detection timeout here, and so the shortest one a session may ask for. */
  public static final String DETECTION_TIMEOUT = "8s";

  /** {@code helm install} with the given extra {@code --set} values, then waits for operator and etcd. */
  public static ChartOnRealCluster install(RealCluster cluster, String... extraSets) {
    String namespace = cluster.createNamespace("system");
    TetherChart chart = TetherChart.locate();
    Helm helm = chart.helm().withKubeconfig(cluster.controlPlane().kubeconfigFile());
    String infra = "{\"key\":\"" + RealCluster.INFRA_TAINT + "\",\"operator\":\"Exists\",\"effect\":\"NoSchedule\"}";
    String infraSelector = RealCluster.INFRA_LABEL.replace(".", "\\.") + "=true";
    String etcd = ContainerImages.etcd();
    List<String> args = new ArrayList<>(List.of("install", RELEASE, chart.dir().toString(), "--namespace", namespace,
        "--set", "image.pullPolicy=Never",
        // The test bed's kubelets renew their Lease every 2.5 s (not 10 s), so sessions may detect in 8 s.
        "--set", "detectionTimeout=" + DETECTION_TIMEOUT,
        "--set", "evictionWebhook.enabled=true",
        "--set-string", "nodeSelector." + infraSelector,
        "--set-json", "tolerations=[" + infra + "]",
        "--set", "etcd.quickstart.enabled=true",
        "--set", "etcd.quickstart.image.repository=" + etcd.substring(0, etcd.lastIndexOf(':')),
        "--set", "etcd.quickstart.image.tag=" + etcd.substring(etcd.lastIndexOf(':') + 1),
        "--set", "etcd.quickstart.image.pullPolicy=Never",
        "--set", "etcd.quickstart.service.clusterIP=" + ETCD_SERVICE_IP,
        "--set-string", "etcd.quickstart.nodeSelector." + infraSelector,
        "--set-json", "etcd.quickstart.tolerations=[" + infra + "]"));
    for (String set : extraSets) {
      args.add("--set");
      args.add(set);
    }
    HelmResult result = helm.run(args);
    if (result.exitCode() != 0) {
      throw new IllegalStateException("helm install failed: " + result.stderr());
    }
    ChartOnRealCluster tether = new ChartOnRealCluster(cluster, namespace, chart);
    await("operator and etcd Ready").atMost(INSTALL_TIMEOUT).pollInterval(Duration.ofSeconds(1))
        .until(() -> tether.readyPods("operator") == 2 && tether.readyPods("etcd") == 1);
    return tether;
  }

  public RealCluster cluster() {
    return cluster;
  }

  public KubernetesClient client() {
    return cluster.client();
  }

  /** The release namespace: operator, etcd. */
  public String namespace() {
    return namespace;
  }

  public TetherChart chart() {
    return chart;
  }

  /** The quick-start etcd's client URL, through its fixed Service IP; TLS by default. */
  public static final String ETCD_ENDPOINT = "https://" + ETCD_SERVICE_IP + ":2379";
  /** The operator's own etcd user in the quick-start etcd: read-write on every session. */
  public static final String ETCD_OPERATOR_USER = "tether-operator";

  /**
   * The password of {@link #ETCD_OPERATOR_USER}: the chart turns authentication on in the quick-start etcd and
   * generates the password into the Secret {@code <fullname>-etcd-auth}.
   */
  public String etcdOperatorPassword() {
    Secret auth = client().secrets().inNamespace(namespace).withName(RELEASE + "-tether-operator-etcd-auth").get();
    return new String(Base64.getDecoder().decode(auth.getData().get("operator-password")), StandardCharsets.UTF_8);
  }

  /** The CA that verifies the quick-start etcd, which the chart generated, written to a temporary file. */
  public Path etcdCaFile() {
    Secret tls = client().secrets().inNamespace(namespace).withName(RELEASE + "-tether-operator-etcd-tls").get();
    try {
      Path file = Files.createTempFile("tether-quickstart-etcd-ca-", ".crt");
      Files.write(file, Base64.getDecoder().decode(tls.getData().get("ca.crt")));
      file.toFile().deleteOnExit();
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The release's pods of one component ({@code operator}, {@code etcd}). */
  public List<Pod> pods(String component) {
    return client().pods().inNamespace(namespace).withLabel("app.kubernetes.io/component", component).list()
        .getItems();
  }

  long readyPods(String component) {
    return pods(component).stream().filter(ChartOnRealCluster::isReady).count();
  }

  public static boolean isReady(Pod pod) {
    return pod.getStatus() != null && pod.getStatus().getConditions() != null
        && pod.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  /** The operators' recent logs, for failure messages. */
  public String operatorLogs() {
    StringBuilder logs = new StringBuilder();
    for (Pod pod : pods("operator")) {
      String name = pod.getMetadata().getName();
      logs.append("--- ").append(name).append('\n');
      String log = cluster.containerLog(namespace, name, "operator");
      List<String> lines = log.lines().toList();
      lines.subList(Math.max(0, lines.size() - 80), lines.size()).forEach(l -> logs.append(l).append('\n'));
    }
    return logs.toString();
  }
}
