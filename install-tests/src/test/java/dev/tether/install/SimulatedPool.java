package dev.tether.install;

import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.AgentSessionSpec;
import dev.tether.testbed.sim.SimulatedCluster;
import dev.tether.testbed.sim.SimulatedNode;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

/**
 * A pool of simulated nodes on the shared apiserver: the sessions of a pool select its label, so a node a test
 * crashes touches no other test. One simulated cluster (kubelets, scheduler, volume provisioner) serves every
 * pool of the JVM.
 */
final class SimulatedPool implements SessionCluster {
  static final String POOL_LABEL = "tether.dev/test-pool";
  /** Short, so failover finishes quickly; the simulated nodes heartbeat every second. */
  static final String DETECTION_TIMEOUT = "4s";

  private static SimulatedCluster cluster;

  private final String pool = "p" + UUID.randomUUID().toString().substring(0, 6);

  static synchronized SimulatedCluster cluster() {
    if (cluster == null) {
      try {
        cluster = SimulatedCluster.start(SharedControlPlane.get().client(),
            Files.createTempDirectory("tether-simulated-cluster-"),
            SimulatedCluster.Options.defaults().withHeartbeatInterval(Duration.ofSeconds(1))
                // Kubernetes waits 6 minutes before it detaches a volume from a dead node; the scenarios need
                // not. The operator waits for the detachment all the same.
                .withForceDetachAfter(Duration.ofSeconds(3)));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return cluster;
  }

  /** Stops the simulated nodes while the apiserver still runs; the next {@link #cluster()} starts anew. */
  static synchronized void stopCluster() {
    if (cluster != null) {
      cluster.close();
      cluster = null;
    }
  }

  SimulatedNode addNode(String name) {
    return cluster().addNode(pool + "-" + name, Map.of(POOL_LABEL, pool));
  }

  SimulatedNode node(String name) {
    return cluster().node(name);
  }

  @Override
  public KubernetesClient admin() {
    return SharedControlPlane.get().client();
  }

  /** The simulated kubelets run any image: the name only has to be valid. */
  @Override
  public AgentSession session(String namespace, String name) {
    AgentSession session = new AgentSession();
    session.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
    AgentSessionSpec spec = new AgentSessionSpec();
    spec.setTemplate(new PodTemplateSpecBuilder()
        .withNewSpec()
          .addNewContainer().withName("agent").withImage("example.org/agent:1").endContainer()
          .withNodeSelector(Map.of(POOL_LABEL, pool))
        .endSpec()
        .build());
    spec.getFailover().setDetectionTimeout(DETECTION_TIMEOUT);
    session.setSpec(spec);
    return session;
  }
}
