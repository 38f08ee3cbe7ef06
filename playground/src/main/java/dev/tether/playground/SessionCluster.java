package dev.tether.playground;

import dev.tether.operator.OperatorSettings;
import dev.tether.operator.TetherOperator;
import dev.tether.operator.checkpoint.CheckpointWiring;
import dev.tether.store.ContextStore;
import dev.tether.store.StoreConfig;
import dev.tether.testbed.ControlPlane;
import dev.tether.testbed.EtcdServer;
import dev.tether.testbed.faults.ApiFaultProxy;
import dev.tether.testbed.sim.SimulatedCluster;
import dev.tether.testbed.sim.SimulatedNode;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * A whole Tether installation on one machine: a control plane (given), a checkpoint etcd, simulated nodes whose
 * session pods run the supervisor and the example agent ({@link AgentPodRuntime}), and the operator following
 * the checkpoint store. Shared by the playground and the chaos tests.
 */
public final class SessionCluster implements AutoCloseable {
  /**
   * How quickly things happen (node heartbeats, the operator's status updates after checkpoints), and whether
   * the operator talks to the apiserver through an {@link ApiFaultProxy} that tests can arm.
   */
  public record Options(Duration heartbeatInterval, Duration detectionTimeout, Duration checkpointThrottle,
      boolean faultProxy) {
    public Options(Duration heartbeatInterval, Duration detectionTimeout, Duration checkpointThrottle) {
      this(heartbeatInterval, detectionTimeout, checkpointThrottle, false);
    }

    public static Options fast() {
      return new Options(Duration.ofSeconds(1), Duration.ofSeconds(4), Duration.ofMillis(200));
    }

    public Options withFaultProxy() {
      return new Options(heartbeatInterval, detectionTimeout, checkpointThrottle, true);
    }
  }

  private final ControlPlane controlPlane;
  private final EtcdServer etcd;
  private final AgentJournal journal = new AgentJournal();
  private final SimulatedCluster cluster;
  private final CheckpointWiring wiring;
  private final ApiFaultProxy faults;
  private final TetherOperator operator;

  private SessionCluster(ControlPlane controlPlane, Options options, Path workDir) {
    this.controlPlane = controlPlane;
    this.etcd = EtcdServer.start();
    StoreConfig store = StoreConfig.of(etcd.endpoint());
    this.cluster = SimulatedCluster.start(controlPlane.client(), workDir,
        SimulatedCluster.Options.defaults().withHeartbeatInterval(options.heartbeatInterval())
            .withRuntime(node -> new AgentPodRuntime(store, journal, controlPlane.client())));
    this.wiring = CheckpointWiring.withoutSidecar(ContextStore.connect(store), options.checkpointThrottle());
    this.faults = options.faultProxy() ? ApiFaultProxy.start(controlPlane.config()) : null;
    this.operator = TetherOperator.builder(faults == null ? controlPlane.newClient()
            : new KubernetesClientBuilder().withConfig(faults.clientConfig()).build())
        .settings(OperatorSettings.defaults().withDetectionTimeout(options.detectionTimeout()))
        .checkpoints(wiring)
        .start();
  }

  public static SessionCluster start(ControlPlane controlPlane, Options options) {
    try {
      return new SessionCluster(controlPlane, options, Files.createTempDirectory("tether-playground-"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public KubernetesClient client() {
    return controlPlane.client();
  }

  public ControlPlane controlPlane() {
    return controlPlane;
  }

  public SimulatedCluster nodes() {
    return cluster;
  }

  public SimulatedNode addNode(String name, Map<String, String> labels) {
    return cluster.addNode(name, labels);
  }

  /** The operator's connection to the checkpoint etcd (manifests, epochs, restore records). */
  public ContextStore store() {
    return wiring.store();
  }

  public EtcdServer etcd() {
    return etcd;
  }

  public AgentJournal journal() {
    return journal;
  }

  /** Faults between the operator and the apiserver (none unless a test arms them). */
  public ApiFaultProxy faults() {
    if (faults == null) {
      throw new IllegalStateException("started without Options.withFaultProxy()");
    }
    return faults;
  }

  public TetherOperator operator() {
    return operator;
  }

  /** Stops the operator and the simulated nodes (their pods are killed) and the checkpoint etcd. */
  @Override
  public void close() {
    operator.close();
    if (faults != null) {
      faults.close();
    }
    cluster.close();
    wiring.close();
    etcd.close();
  }
}
