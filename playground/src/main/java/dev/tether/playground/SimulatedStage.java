package dev.tether.playground;

import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.ObjectStoreSpec;
import dev.tether.testbed.ObjectStoreServer;
import dev.tether.store.SessionKey;
import dev.tether.testbed.ControlPlane;
import dev.tether.testbed.Namespaces;
import dev.tether.testbed.sim.SimulatedNode;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/** Simulated nodes whose pods run the supervisor and the agent in-process; the operator in-process too. */
final class SimulatedStage implements Stage {
  private static final String BUCKET = "checkpoints";
  private static final String CREDENTIALS = "s3-creds";
  private final ControlPlane controlPlane;
  /** Started on first use only. */
  private ObjectStoreServer s3;
  private final SessionCluster cluster;
  private final int nodes;

  private SimulatedStage(ControlPlane controlPlane, SessionCluster cluster, int nodes) {
    this.controlPlane = controlPlane;
    this.cluster = cluster;
    this.nodes = nodes;
  }

  static SimulatedStage start(int nodes) {
    ControlPlane controlPlane = ControlPlane.start();
    try {
      controlPlane.installCrd();
      SessionCluster cluster = SessionCluster.start(controlPlane,
          new SessionCluster.Options(Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofMillis(500)));
      for (int i = 1; i <= nodes; i++) {
        cluster.addNode("node-" + i, Map.of());
      }
      return new SimulatedStage(controlPlane, cluster, nodes);
    } catch (RuntimeException e) {
      controlPlane.close();
      throw e;
    }
  }

  @Override
  public String describe() {
    return "the control plane (kube-apiserver + etcd), a checkpoint etcd, " + nodes
        + " simulated nodes and the operator";
  }

  @Override
  public KubernetesClient client() {
    return cluster.client();
  }

  @Override
  public Path kubeconfigFile() {
    return controlPlane.kubeconfigFile();
  }

  @Override
  public String createNamespace() {
    return Namespaces.create(cluster.client(), "playground");
  }

  @Override
  public AgentSession session(String namespace, String name, int steps, int stepMillis, int checkpointEvery) {
    return new StepAgentSession(steps, Duration.ofMillis(stepMillis), checkpointEvery, "5s", Map.of())
        .build(namespace, name);
  }

  @Override
  public void inject(Failure failure, String nodeName) {
    SimulatedNode node = cluster.nodes().node(nodeName);
    switch (failure) {
      case crash -> node.crash();
      case partition -> node.partition();
      case delete_node -> {
        node.crash(); // the machine is gone, and so is its Node object
        node.deleteNodeObject();
      }
      case drain -> node.cordon(); // like kubectl drain; the session's PodDisruptionBudget refuses evictions
    }
  }

  @Override
  public void follow(Consumer<AgentJournal.Entry> follower) {
    cluster.journal().follow(follower);
  }

  @Override
  public Optional<Integer> repeatedSteps(String namespace, String session) {
    return Optional.of(cluster.journal().repeatedSteps(namespace, session));
  }

  @Override
  public Optional<String> problem(String namespace, String session, int steps) {
    return ContextCheck.problem(cluster.store(), SessionKey.of(namespace, session),
        cluster.nodes().volumeDir(namespace, claimName(client(), namespace, session)), steps);
  }

  /** The session's current claim: a replacement one after its volume was left on a lost node. */
  static String claimName(io.fabric8.kubernetes.client.KubernetesClient client, String namespace, String session) {
    AgentSession s = client.resources(AgentSession.class).inNamespace(namespace).withName(session).get();
    return s != null && s.getStatus() != null && s.getStatus().getVolumeClaim() != null
        ? s.getStatus().getVolumeClaim() : session + "-checkpoints";
  }

  @Override
  public ObjectStoreSpec objectStore(String namespace) {
    if (s3 == null) {
      s3 = ObjectStoreServer.startNew();
      s3.createBucket(BUCKET);
    }
    client().resource(ObjectStoreServer.credentialsSecret(namespace, CREDENTIALS)).create();
    ObjectStoreSpec tier = new ObjectStoreSpec();
    tier.setEndpoint(s3.endpoint().toString());
    tier.setBucket(BUCKET);
    tier.setPrefix("playground");
    tier.setCredentialsSecret(CREDENTIALS);
    return tier;
  }

  @Override
  public void close() {
    if (s3 != null) {
      s3.close();
    }
    cluster.close();
    controlPlane.close();
  }
}
