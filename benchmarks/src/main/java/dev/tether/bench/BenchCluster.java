package dev.tether.bench;

import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.CheckpointSpec;
import dev.tether.operator.OperatorSettings;
import dev.tether.operator.TetherOperator;
import dev.tether.operator.checkpoint.CheckpointWiring;
import dev.tether.store.ContextStore;
import dev.tether.store.StoreConfig;
import dev.tether.testbed.AuditLog;
import dev.tether.testbed.ControlPlane;
import dev.tether.testbed.EtcdServer;
import dev.tether.testbed.KubeControllers;
import dev.tether.testbed.sim.SimulatedCluster;
import dev.tether.testbed.sim.SimulatedNode;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * One benchmark's own Kubernetes: a real apiserver (with audit log), simulated nodes, optionally the real
 * kube-controller-manager and kube-scheduler, and optionally the operator in this JVM under its own user name
 * (so the audit log tells its writes apart).
 */
final class BenchCluster implements AutoCloseable {
  static final String POOL_LABEL = "bench.tether.dev/pool";
  static final String OPERATOR_USER = "tether-operator";
  static final String AGENT_IMAGE = "example.org/agent:1";

  private final ControlPlane plane;
  private final SimulatedCluster cluster;
  private KubeControllers controllers;
  private EtcdServer checkpointEtcd;
  private CheckpointWiring checkpoints;
  private KubernetesClient operatorClient;
  private TetherOperator operator;

  /**
   * @param realControllers kube-controller-manager and kube-scheduler will run ({@link #startRealControllers});
   *     the simulated scheduler is stopped so that only kube-scheduler binds pods
   * @param podsPerNode pod capacity of each simulated node
   */
  BenchCluster(boolean realControllers, int podsPerNode, Duration heartbeat) {
    plane = ControlPlane.start(ControlPlane.Options.defaults().withAuditLog());
    plane.installCrd();
    try {
      cluster = SimulatedCluster.start(plane.client(), Files.createTempDirectory("tether-bench-"),
          SimulatedCluster.Options.defaults().withHeartbeatInterval(heartbeat)
              .withNodeCapacity(Map.of("cpu", "64", "memory", "256Gi", "pods", Integer.toString(podsPerNode))));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (realControllers) {
      // Both would bind every default-scheduler pod; the baseline is about Kubernetes' own scheduler.
      cluster.scheduler().close();
    }
  }

  /** Starts the operator in this JVM with a checkpoint store (epochs raised in etcd before every new pod). */
  void startOperator(OperatorSettings settings) {
    checkpointEtcd = EtcdServer.start();
    checkpoints = CheckpointWiring.withoutSidecar(ContextStore.connect(StoreConfig.of(checkpointEtcd.endpoint())),
        Duration.ofSeconds(1));
    operatorClient = new KubernetesClientBuilder().withConfig(plane.configFor(OPERATOR_USER, "system:masters")).build();
    operator = TetherOperator.builder(operatorClient).settings(settings).checkpoints(checkpoints).start();
  }

  ControlPlane plane() {
    return plane;
  }

  KubernetesClient client() {
    return plane.client();
  }

  AuditLog audit() {
    return plane.auditLog().orElseThrow();
  }

  SimulatedNode addNode(String pool, String name) {
    return cluster.addNode(pool + "-" + name, Map.of(POOL_LABEL, pool));
  }

  /** Moves a node to another pool: a merge patch, so it cannot conflict with the node's own status writes. */
  void movePool(SimulatedNode node, String pool) {
    client().nodes().withName(node.name()).patch(PatchContext.of(PatchType.JSON_MERGE),
        "{\"metadata\":{\"labels\":{\"" + POOL_LABEL + "\":\"" + pool + "\"}}}");
  }

  /**
   * Starts the real kube-controller-manager and kube-scheduler. Add the nodes first: the simulated kubelet
   * registers a Node with a read-then-write of its status, which the node lifecycle controller's own update of a
   * new Node makes fail with 409.
   */
  void startRealControllers() {
    controllers = KubeControllers.start(plane);
  }

  /** The agent's pod template, confined to a pool of nodes; the baselines use the same one. */
  static PodTemplateSpec agentTemplate(String pool, Map<String, String> labels) {
    return new PodTemplateSpecBuilder()
        .withNewMetadata().withLabels(labels).endMetadata()
        .withNewSpec()
          .addNewContainer().withName("agent").withImage(AGENT_IMAGE).endContainer()
          .withNodeSelector(Map.of(POOL_LABEL, pool))
        .endSpec()
        .build();
  }

  /**
   * A session with a ReadWriteMany checkpoint volume: the simulated attach/detach, like Kubernetes, keeps a
   * ReadWriteOnce volume attached to a crashed node for 6 minutes, which would measure that and not us.
   */
  static AgentSession session(String namespace, String name, String pool) {
    AgentSession session = new AgentSession();
    session.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
    session.setSpec(new dev.tether.api.v1alpha1.AgentSessionSpec());
    session.getSpec().setTemplate(agentTemplate(pool, Map.of("app", "agent")));
    session.getSpec().getCheckpoint().setAccessMode(CheckpointSpec.AccessMode.ReadWriteMany);
    return session;
  }

  /** Creates sessions {@code prefix-0..count-1} with a few threads (the apiserver, not one client, is the limit). */
  void createSessions(String namespace, String prefix, int count, String pool, int threads) {
    ExecutorService executor = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> created = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        String name = prefix + "-" + i;
        created.add(executor.submit(() -> client().resource(session(namespace, name, pool)).create()));
      }
      for (Future<?> future : created) {
        future.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException("creating sessions failed", e.getCause());
    } finally {
      executor.shutdownNow();
    }
  }

  @Override
  public void close() {
    if (operator != null) {
      operator.close();
      operatorClient.close();
    }
    if (checkpoints != null) {
      checkpoints.close();
    }
    if (checkpointEtcd != null) {
      checkpointEtcd.close();
    }
    cluster.close();
    if (controllers != null) {
      controllers.close();
    }
    plane.close();
  }
}
