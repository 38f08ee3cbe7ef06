package dev.tether.playground;


import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.testbed.Namespaces;
import dev.tether.testbed.SharedControlPlane;
import dev.tether.testbed.sim.SimulatedNode;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * One {@link SessionCluster} per test JVM on the shared control plane (one operator must own all sessions).
 * Tests isolate themselves with a namespace and a pool of nodes of their own.
 */
final class PlaygroundBed {
  static final String POOL_LABEL = "tether.dev/test-pool";
  private static SessionCluster instance;

  private PlaygroundBed() {}

  static synchronized SessionCluster get() {
    if (instance == null) {
      instance = SessionCluster.start(SharedControlPlane.get(), SessionCluster.Options.fast().withFaultProxy());
      Runtime.getRuntime().addShutdownHook(new Thread(PlaygroundBed::closeWithin10Seconds, "playground-bed-stop"));
    }
    return instance;
  }

  /** The JVM is exiting anyway: do not let a slow close hold it up. */
  private static void closeWithin10Seconds() {
    Thread closer = new Thread(instance::close, "playground-bed-close");
    closer.setDaemon(true);
    closer.start();
    try {
      closer.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static String newNamespace(String prefix) {
    return Namespaces.create(get().client(), prefix);
  }

  static String newPool() {
    return "p" + UUID.randomUUID().toString().substring(0, 6);
  }

  static SimulatedNode addNode(String pool, String name) {
    return get().addNode(pool + "-" + name, Map.of(POOL_LABEL, pool));
  }

  static AgentSession get(String namespace, String name) {
    return get().client().resources(AgentSession.class).inNamespace(namespace).withName(name).get();
  }

  static AgentSession awaitSession(String namespace, String name, Duration timeout, Predicate<AgentSession> condition) {
    return org.awaitility.Awaitility.await().atMost(timeout).pollInterval(Duration.ofMillis(100))
        .until(() -> get(namespace, name), s -> s != null && s.getStatus() != null && condition.test(s));
  }
}
