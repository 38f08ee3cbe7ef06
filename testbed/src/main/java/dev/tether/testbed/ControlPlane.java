package dev.tether.testbed;

import io.fabric8.kubeapitest.KubeAPIServerConfig;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubeapitest.binary.BinaryManager;
import io.fabric8.kubeapitest.cert.CertManager;
import io.fabric8.kubeapitest.kubeconfig.KubeConfig;
import io.fabric8.kubeapitest.process.KubeAPIServerProcess;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real kube-apiserver with its etcd, from the binaries that {@code hack/install-control-plane.sh}
 * provides (or that kube-api-test downloads where it has internet), put together from kube-api-test's
 * building blocks (binaries, certificates, apiserver process) and a loopback-only {@link EtcdServer}, so
 * that the apiserver can be stopped and started again on its own while etcd and its data stay. Clients talk to a {@link TcpProxy} on a fixed loopback port, so {@link #url()} and every
 * client made from {@link #config()} survive apiserver restarts.
 *
 * <p>Authorization is RBAC (kube-api-test's setting). The admin user is kube-api-test's
 * {@code kubeapitest} in {@code system:masters}; {@link #configFor} makes clients for other users.
 * No controller-manager and no scheduler unless a test starts {@link KubeControllers}.
 */
public final class ControlPlane implements AutoCloseable {
  /** The generated CRD, packaged by the api module. */
  public static final String CRD_RESOURCE = "/META-INF/fabric8/agentsessions.tether.dev-v1.yml";

  private static final Logger LOG = LoggerFactory.getLogger(ControlPlane.class);
  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(90);
  /**
   * The Service range of the apiserver started for real nodes. Wide, so that a Service given a fixed address
   * (the quick-start etcd's 10.0.0.100) practically never finds it taken by one allocated at random: Kubernetes
   * 1.20 has no range reserved for fixed addresses.
   */
  public static final String SERVICE_CIDR = "10.0.0.0/16";
  /** The {@code kubernetes} Service's ClusterIP: the first address of {@link #SERVICE_CIDR}. */
  public static final String KUBERNETES_SERVICE_IP = "10.0.0.1";

  /**
   * How to start the control plane.
   *
   * @param apiServerFlags extra kube-apiserver flags, e.g. {@code "--watch-cache=false"}. kube-api-test
   *     puts its own flags (authorization mode, client CA, service accounts, ports) after these, so those
   *     cannot be changed here.
   * @param auditLog whether the apiserver writes an {@link AuditLog} of all write requests
   */
  public record Options(List<String> apiServerFlags, boolean auditLog, String advertiseAddress) {
    public Options {
      apiServerFlags = List.copyOf(apiServerFlags);
    }

    public static Options defaults() {
      return new Options(List.of(), false, null);
    }

    public Options withApiServerFlags(String... flags) {
      List<String> all = new ArrayList<>(apiServerFlags);
      all.addAll(Arrays.asList(flags));
      return new Options(all, auditLog, advertiseAddress);
    }

    public Options withAuditLog() {
      return new Options(apiServerFlags, true, advertiseAddress);
    }

    /**
     * An apiserver that real kubelets and pods use, as in a kubeadm cluster: it advertises
     * {@code address} (the {@code kubernetes} Service's endpoint), serves a certificate valid for that
     * address and the Service IP, authorizes kubelets with the Node authorizer, and gives pods their
     * ServiceAccount tokens.
     */
    public Options forRealNodes(String address) {
      return new Options(apiServerFlags, auditLog, address);
    }

    boolean realNodes() {
      return advertiseAddress != null;
    }
  }

  private final Path workDir;
  private final KubeAPIServerConfig serverConfig;
  private final BinaryManager binaries;
  private final CertManager certs;
  private final ClientCaBundle apiServerCerts;
  private final CertificateAuthority ca;
  private final Options options;
  /** Verifies the apiserver's serving certificate: kube-api-test's self-signed one, or the test bed's CA. */
  private final Path servingCa;
  private final CertificateAuthority.Issued servingCertificate;
  private EtcdServer etcd;
  private final TcpProxy proxy;
  private final HealthProbe health;
  private final AuditLog auditLog;
  private final String kubeconfigYaml;
  private final Path kubeconfigFile;
  private final AtomicInteger issued = new AtomicInteger();
  private ApiServerInstance apiServer;
  private KubernetesClient client;

  private ControlPlane(Options options) throws IOException {
    this.workDir = Files.createTempDirectory("tether-control-plane-");
    String testDir = Binaries.kubeApiTestDir().toString();
    Path auditFile = workDir.resolve("audit.log");
    List<String> flags = new ArrayList<>(options.apiServerFlags());
    if (options.auditLog()) {
      flags.addAll(AuditLog.apiServerFlags(workDir, auditFile));
    }
    this.auditLog = options.auditLog() ? new AuditLog(auditFile) : null;
    this.serverConfig = KubeAPIServerConfigBuilder.anAPIServerConfig()
        .withTestDir(testDir)
        .withUpdateKubeConfig(false)
        .withApiServerFlags(flags)
        .build();
    this.binaries = new BinaryManager(serverConfig);
    binaries.initAndDownloadIfRequired();
    this.certs = new CertManager(testDir);
    certs.createCertificatesIfNeeded();
    this.ca = CertificateAuthority.create(workDir);
    this.options = options;
    this.apiServerCerts = ClientCaBundle.write(certs, testDir, ca, workDir.resolve("client-ca.crt"));
    this.proxy = TcpProxy.start();
    if (options.realNodes()) {
      this.servingCertificate = ca.issueServer(workDir, "apiserver-serving",
          List.of("127.0.0.1", options.advertiseAddress(), KUBERNETES_SERVICE_IP),
          List.of("localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
              "kubernetes.default.svc.cluster.local"));
      this.servingCa = ca.files().certificate();
      this.kubeconfigYaml = Kubeconfig.yaml(url(), servingCa,
          ca.issueClient(workDir, "admin", "tether-testbed-admin", "system:masters"), "tether-testbed-admin");
    } else {
      this.servingCertificate = null;
      this.servingCa = Path.of(certs.getAPIServerCertPath());
      this.kubeconfigYaml = new KubeConfig(certs, binaries).generateKubeConfigYaml(proxy.port());
    }
    this.health = HealthProbe.trusting(servingCa);
    this.kubeconfigFile = workDir.resolve("kubeconfig.yaml");
    Files.writeString(kubeconfigFile, kubeconfigYaml);
  }

  /** Starts etcd and the apiserver with the default options. */
  public static ControlPlane start() {
    return start(Options.defaults());
  }

  public static ControlPlane start(Options options) {
    ControlPlane plane;
    try {
      plane = new ControlPlane(options);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      // The test bed's etcd rather than kube-api-test's, which listens on all interfaces.
      plane.etcd = EtcdServer.start();
      plane.startApiServer();
      plane.client = plane.newClient();
      Poll.until("default namespace", STARTUP_TIMEOUT, () -> true,
          () -> plane.client.namespaces().withName("default").get() != null);
      return plane;
    } catch (RuntimeException e) {
      plane.close();
      throw e;
    }
  }

  /** The apiserver's address: the proxy's, the same across apiserver restarts. */
  public String url() {
    return "https://127.0.0.1:" + proxy.port();
  }

  /** An admin client (system:masters). */
  public KubernetesClient client() {
    return client;
  }

  /** A new admin client, e.g. for an operator instance that the test stops and starts. */
  public KubernetesClient newClient() {
    return new KubernetesClientBuilder().withConfig(config()).build();
  }

  /** Admin client configuration. Set {@link Config#setImpersonateUsername} on it to act as another user. */
  public Config config() {
    return Config.fromKubeconfig(kubeconfigYaml);
  }

  public String kubeconfigYaml() {
    return kubeconfigYaml;
  }

  /** The admin kubeconfig written to a file, for kubectl and helm. */
  public Path kubeconfigFile() {
    return kubeconfigFile;
  }

  /**
   * A kubeconfig for {@code user} in {@code groups}, with a new client certificate (CN=user, O=group).
   * The user has no permissions beyond what RBAC grants it (or its groups).
   */
  public String kubeconfigYamlFor(String user, String... groups) {
    String fileName = "user-" + issued.incrementAndGet();
    CertificateAuthority.Issued certificate = ca.issueClient(workDir, fileName, user, groups);
    return Kubeconfig.yaml(url(), servingCa, certificate, user);
  }

  /** Client configuration for {@code user} in {@code groups}; see {@link #kubeconfigYamlFor}. */
  public Config configFor(String user, String... groups) {
    return Config.fromKubeconfig(kubeconfigYamlFor(user, groups));
  }

  /** The apiserver's audit log, if {@link Options#auditLog()} was set. */
  public Optional<AuditLog> auditLog() {
    return Optional.ofNullable(auditLog);
  }

  /** Stops the apiserver (killed, like a crash) and starts it again: etcd and its data stay. */
  public void restartApiServer() {
    stopApiServer();
    startApiServer();
  }

  /**
   * Stops the apiserver process. Until {@link #startApiServer()}, connections to {@link #url()} are
   * accepted and dropped at once; open connections (watches) break now.
   */
  public synchronized void stopApiServer() {
    if (apiServer == null) {
      return;
    }
    proxy.target(0);
    apiServer.stop();
    proxy.disconnectAll();
    apiServer = null;
  }

  /** Starts the apiserver again (on a new port behind the same proxy) and waits until /readyz answers. */
  public synchronized void startApiServer() {
    if (apiServer != null) {
      return;
    }
    AtomicBoolean exited = new AtomicBoolean();
    long started = System.nanoTime();
    ApiServerInstance process = options.realNodes() ? startOwnApiServer(exited) : startKubeApiTestApiServer(exited);
    int port = process.port();
    apiServer = process;
    try {
      Poll.until("kube-apiserver /readyz", STARTUP_TIMEOUT, () -> !exited.get(), () -> health.ok(port, "/readyz"));
    } catch (RuntimeException e) {
      process.stop();
      apiServer = null;
      throw e;
    }
    // Only now: clients that came in while it started were dropped and retry, instead of seeing
    // a half-started apiserver (e.g. 404 for custom resources whose CRDs are not loaded yet).
    proxy.target(port);
    LOG.info("kube-apiserver ready on port {} behind {} after {} ms", port, url(), (System.nanoTime() - started) / 1_000_000);
  }

  /** A running apiserver process: kube-api-test's, or the one started for real nodes. */
  private interface ApiServerInstance {
    int port();

    void stop();
  }

  private ApiServerInstance startKubeApiTestApiServer(AtomicBoolean exited) {
    // A new process object each time: kube-api-test's stops only once.
    KubeAPIServerProcess process = new KubeAPIServerProcess(apiServerCerts, binaries, p -> {
      exited.set(true);
      LOG.error("kube-apiserver exited unexpectedly with {}", p.exitValue());
    }, serverConfig);
    int port = process.startApiServer(etcd.clientPort());
    return new ApiServerInstance() {
      @Override
      public int port() {
        return port;
      }

      @Override
      public void stop() {
        process.stopApiServer();
      }
    };
  }

  /**
   * kube-api-test's flags, except those a cluster with kubelets needs otherwise: it disables the
   * ServiceAccount admission plugin (pods would get no token) and authorizes with RBAC only (kubelets
   * need the Node authorizer), and its flags come last, so they cannot be overridden.
   */
  private ApiServerInstance startOwnApiServer(AtomicBoolean exited) {
    int port = Ports.free();
    List<String> command = new ArrayList<>(List.of(binaries.binaries().getApiServer().getAbsolutePath(),
        "--advertise-address=" + options.advertiseAddress(),
        "--bind-address=0.0.0.0",
        "--secure-port=" + port,
        "--tls-cert-file=" + servingCertificate.certificate(),
        "--tls-private-key-file=" + servingCertificate.key(),
        "--etcd-servers=http://127.0.0.1:" + etcd.clientPort(),
        "--authorization-mode=Node,RBAC",
        "--enable-admission-plugins=NodeRestriction",
        "--client-ca-file=" + apiServerCerts.getClientCertPath(),
        "--service-account-issuer=https://kubernetes.default.svc",
        "--service-account-signing-key-file=" + certs.getAPIServerKeyPath(),
        "--service-account-key-file=" + certs.getAPIServerKeyPath(),
        "--service-cluster-ip-range=" + SERVICE_CIDR,
        "--kubelet-preferred-address-types=InternalIP",
        "--allow-privileged=true",
        "--cert-dir=" + workDir.resolve("apiserver-certs")));
    command.addAll(serverConfig.getApiServerFlags());
    LocalProcess process = LocalProcess.start("kube-apiserver", command,
        workDir.resolve("kube-apiserver-" + port + ".log"));
    process.onExit(() -> exited.set(true));
    return new ApiServerInstance() {
      @Override
      public int port() {
        return port;
      }

      @Override
      public void stop() {
        process.kill();
      }
    };
  }

  public synchronized boolean isApiServerRunning() {
    return apiServer != null;
  }

  /** What verifies the apiserver's serving certificate; also the root CA that pods get with their tokens. */
  Path apiServerCertificate() {
    return servingCa;
  }

  /** The key that signs and verifies ServiceAccount tokens. */
  Path serviceAccountKey() {
    return Path.of(certs.getAPIServerKeyPath());
  }

  /** The test bed's CA that signs client certificates. */
  CertificateAuthority.Issued clientCa() {
    return ca.files();
  }

  /** The control plane's scratch directory: logs, certificates, kubeconfigs. */
  public Path workDir() {
    return workDir;
  }

  /** Creates (or updates) the AgentSession CRD generated from the model, and waits until it is served. */
  public void installCrd() {
    try (InputStream in = ControlPlane.class.getResourceAsStream(CRD_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("CRD not on the classpath: " + CRD_RESOURCE);
      }
      CustomResourceDefinition crd = client.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class);
      client.apiextensions().v1().customResourceDefinitions().resource(crd).forceConflicts().serverSideApply();
      client.apiextensions().v1().customResourceDefinitions().withName(crd.getMetadata().getName())
          .waitUntilCondition(ControlPlane::established, 30, TimeUnit.SECONDS);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static boolean established(CustomResourceDefinition crd) {
    return crd != null && crd.getStatus() != null && crd.getStatus().getConditions() != null
        && crd.getStatus().getConditions().stream()
            .anyMatch(c -> "Established".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  @Override
  public void close() {
    if (client != null) {
      client.close();
    }
    stopApiServer();
    if (etcd != null) {
      etcd.close();
    }
    proxy.close();
    try (var files = Files.walk(workDir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temp directory; nothing to lose
    }
  }
}
