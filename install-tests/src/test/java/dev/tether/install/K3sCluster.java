package dev.tether.install;

import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.AgentSessionSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.testcontainers.k3s.K3sContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * A one-node k3s cluster in a container: a real kubelet and container runtime, and the local-path provisioner
 * as the default StorageClass. Agents are {@code busybox} running {@code sleep}.
 */
final class K3sCluster implements SessionCluster, AutoCloseable {
  /** Override with -Dtether.k3s.image=rancher/k3s:<tag>. */
  static final String IMAGE = System.getProperty("tether.k3s.image", "rancher/k3s:v1.31.4-k3s1");
  static final String AGENT_IMAGE = System.getProperty("tether.k3s.agent.image", "busybox:1.36");

  private final K3sContainer container;
  private final KubernetesClient admin;

  private K3sCluster(K3sContainer container, KubernetesClient admin) {
    this.container = container;
    this.admin = admin;
  }

  static K3sCluster start() {
    K3sContainer container = new K3sContainer(DockerImageName.parse(IMAGE));
    container.start();
    Config config = Config.fromKubeconfig(container.getKubeConfigYaml());
    return new K3sCluster(container, new KubernetesClientBuilder().withConfig(config).build());
  }

  @Override
  public KubernetesClient admin() {
    return admin;
  }

  /**
   * {@code sleep} as PID 1 ignores SIGTERM, so the kubelet would wait out the whole grace period on every
   * delete: one second is enough for an agent that keeps nothing in memory.
   */
  @Override
  public AgentSession session(String namespace, String name) {
    AgentSession session = new AgentSession();
    session.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
    AgentSessionSpec spec = new AgentSessionSpec();
    spec.setTemplate(new PodTemplateSpecBuilder()
        .withNewSpec()
          .addNewContainer()
            .withName("agent").withImage(AGENT_IMAGE).withCommand("sleep", "3600")
          .endContainer()
          .withTerminationGracePeriodSeconds(1L)
        .endSpec()
        .build());
    session.setSpec(spec);
    return session;
  }

  @Override
  public void close() {
    admin.close();
    container.stop();
  }
}
