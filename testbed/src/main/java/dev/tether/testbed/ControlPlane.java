package dev.tether.testbed;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A real kube-apiserver with its etcd, started through fabric8 kube-api-test from the binaries that
 * {@code hack/install-control-plane.sh} provides (or that kube-api-test downloads where it has internet).
 * No controller-manager and no scheduler: the simulated nodes play the kubelets and bind pods.
 */
public final class ControlPlane implements AutoCloseable {
  /** The generated CRD, packaged by the api module. */
  public static final String CRD_RESOURCE = "/META-INF/fabric8/agentsessions.tether.dev-v1.yml";

  private final KubeAPIServer server;
  private final String kubeconfigYaml;
  private final Path kubeconfigFile;
  private final KubernetesClient client;

  private ControlPlane(KubeAPIServer server) {
    this.server = server;
    this.kubeconfigYaml = server.getKubeConfigYaml();
    try {
      this.kubeconfigFile = Files.createTempFile("tether-kubeconfig-", ".yaml");
      Files.writeString(kubeconfigFile, kubeconfigYaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.client = newClient();
  }

  public static ControlPlane start() {
    var config = KubeAPIServerConfigBuilder.anAPIServerConfig()
        .withTestDir(Binaries.kubeApiTestDir().toString())
        .withUpdateKubeConfig(false)
        .build();
    var server = new KubeAPIServer(config);
    server.start();
    return new ControlPlane(server);
  }

  /** An admin client (system:masters). */
  public KubernetesClient client() {
    return client;
  }

  /** A new admin client, e.g. for an operator instance that the test stops and starts. */
  public KubernetesClient newClient() {
    return new KubernetesClientBuilder().withConfig(config()).build();
  }

  public Config config() {
    return Config.fromKubeconfig(kubeconfigYaml);
  }

  public String kubeconfigYaml() {
    return kubeconfigYaml;
  }

  /** The kubeconfig written to a file, for kubectl and helm. */
  public Path kubeconfigFile() {
    return kubeconfigFile;
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
          .waitUntilCondition(c -> c != null && c.getStatus() != null && c.getStatus().getConditions().stream()
              .anyMatch(cond -> "Established".equals(cond.getType()) && "True".equals(cond.getStatus())),
              30, TimeUnit.SECONDS);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    client.close();
    server.stop();
    try {
      Files.deleteIfExists(kubeconfigFile);
    } catch (IOException ignored) {
      // a temp file; nothing to lose
    }
  }
}
