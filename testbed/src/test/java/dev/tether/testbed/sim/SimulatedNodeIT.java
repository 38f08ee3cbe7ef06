package dev.tether.testbed.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SimulatedNodeIT extends SimulationTestBase {

  @Test
  void registersReadyAndKeepsRenewingItsLease() {
    String name = nodeName("n");
    SimulatedNode node = cluster.addNode(name, Map.of("pool", "a"));

    Node registered = client.nodes().withName(name).get();
    assertThat(registered.getMetadata().getLabels())
        .containsEntry("kubernetes.io/hostname", name).containsEntry("pool", "a");
    assertThat(registered.getStatus().getCapacity())
        .containsEntry("cpu", new Quantity("8")).containsEntry("memory", new Quantity("32Gi"))
        .containsEntry("pods", new Quantity("250"));
    assertThat(registered.getStatus().getConditions())
        .anySatisfy(c -> {
          assertThat(c.getType()).isEqualTo("Ready");
          assertThat(c.getStatus()).isEqualTo("True");
        });
    assertThat(registered.getStatus().getAddresses())
        .anySatisfy(a -> assertThat(a.getAddress()).isEqualTo("127.0.0.1"));
    assertThat(registered.getSpec().getTaints()).noneMatch(t -> t.getKey().equals(SimulatedNode.NOT_READY_TAINT));
    assertThat(node.isHealthy()).isTrue();

    Lease first = lease(name);
    assertThat(first.getSpec().getHolderIdentity()).isEqualTo(name);
    assertThat(first.getSpec().getLeaseDurationSeconds()).isEqualTo(40);
    eventually().until(() -> renewTime(name).isAfter(first.getSpec().getRenewTime()));
  }

  @Test
  void runsABoundPodAndConfirmsItsGracefulDeletion() {
    String name = nodeName("n");
    cluster.addNode(name, Map.of("pool", name));
    createPod("p", Map.of("pool", name));

    eventually().until(() -> isRunningAndReady(pod("p")));
    Pod running = pod("p");
    assertThat(running.getSpec().getNodeName()).isEqualTo(name);
    assertThat(running.getStatus().getPodIP()).isEqualTo("127.0.0.1");
    assertThat(running.getStatus().getStartTime()).isNotNull();
    assertThat(running.getStatus().getContainerStatuses())
        .singleElement().satisfies(c -> assertThat(c.getState().getRunning()).isNotNull());
    assertThat(runtime.pod(ns, "p").running()).isTrue();

    client.pods().inNamespace(ns).withName("p").delete();
    eventually().until(() -> pod("p") == null);
    assertThat(runtime.pod(ns, "p").stopped).isTrue();
  }

  @Test
  void aCrashedNodeStopsHeartbeatingAndLeavesDeletedPodsTerminating() {
    String name = nodeName("n");
    SimulatedNode node = cluster.addNode(name, Map.of("pool", name));
    createPod("p", Map.of("pool", name));
    eventually().until(() -> isRunningAndReady(pod("p")));

    node.crash();
    assertThat(node.isHealthy()).isFalse();
    assertThat(runtime.pod(ns, "p").killed).isTrue();
    ZonedDateTime lastRenewal = renewTime(name);
    await().during(Duration.ofSeconds(3)).atMost(TIMEOUT).until(() -> renewTime(name).equals(lastRenewal));

    client.pods().inNamespace(ns).withName("p").delete();
    await().during(Duration.ofSeconds(2)).atMost(TIMEOUT)
        .until(() -> pod("p") != null && pod("p").getMetadata().getDeletionTimestamp() != null);
    assertThat(isRunningAndReady(pod("p"))).as("frozen as it was").isTrue();

    client.pods().inNamespace(ns).withName("p").withGracePeriod(0).delete();
    eventually().until(() -> pod("p") == null);
  }

  @Test
  void healAfterACrashRestartsTheBoundPods() {
    String name = nodeName("n");
    SimulatedNode node = cluster.addNode(name, Map.of("pool", name));
    createPod("p", Map.of("pool", name));
    eventually().until(() -> isRunningAndReady(pod("p")));
    TestRuntime.TestPod beforeCrash = runtime.pod(ns, "p");

    node.crash();
    node.heal();

    eventually().until(() -> runtime.pod(ns, "p") != beforeCrash && runtime.pod(ns, "p").running());
    ZonedDateTime healedAt = ZonedDateTime.now();
    eventually().until(() -> renewTime(name).isAfter(healedAt));
  }

  @Test
  void aPartitionedNodeKeepsRunningAndStopsPodsDeletedMeanwhileOnHeal() {
    String name = nodeName("n");
    SimulatedNode node = cluster.addNode(name, Map.of("pool", name));
    createPod("gone", Map.of("pool", name));
    createPod("kept", Map.of("pool", name));
    eventually().until(() -> isRunningAndReady(pod("gone")) && isRunningAndReady(pod("kept")));

    node.partition();
    client.pods().inNamespace(ns).withName("gone").withGracePeriod(0).delete();
    eventually().until(() -> pod("gone") == null);
    await().during(Duration.ofSeconds(2)).atMost(TIMEOUT).until(() -> runtime.pod(ns, "gone").running());

    node.heal();
    eventually().until(() -> runtime.pod(ns, "gone").stopped);
    assertThat(runtime.pod(ns, "kept").running()).isTrue();
  }

  @Test
  void evictionFailsThePod() {
    String name = nodeName("n");
    SimulatedNode node = cluster.addNode(name, Map.of("pool", name));
    createPod("p", Map.of("pool", name));
    eventually().until(() -> isRunningAndReady(pod("p")));

    node.evict(ns, "p");

    eventually().until(() -> "Failed".equals(phase("p")));
    assertThat(pod("p").getStatus().getReason()).isEqualTo("Evicted");
    assertThat(pod("p").getStatus().getMessage()).contains("low on resource");
    assertThat(runtime.pod(ns, "p").stopped).isTrue();
  }

  @Test
  void exitCodesEndPodsAsSucceededOrFailed() {
    String name = nodeName("n");
    SimulatedNode node = cluster.addNode(name, Map.of("pool", name));
    createPod("done", Map.of("pool", name));
    createPod("crashing", Map.of("pool", name));
    eventually().until(() -> isRunningAndReady(pod("done")) && isRunningAndReady(pod("crashing")));

    node.completePod(ns, "done", 0);
    runtime.pod(ns, "crashing").exit.complete(3);

    eventually().until(() -> "Succeeded".equals(phase("done")));
    eventually().until(() -> "Failed".equals(phase("crashing")));
    assertThat(pod("crashing").getStatus().getContainerStatuses())
        .singleElement().satisfies(c -> assertThat(c.getState().getTerminated().getExitCode()).isEqualTo(3));
  }

  @Test
  void deleteNodeObjectRemovesTheNode() {
    String name = nodeName("n");
    SimulatedNode node = cluster.addNode(name, Map.of());

    node.deleteNodeObject();

    eventually().until(() -> client.nodes().withName(name).get() == null);
  }

  private Lease lease(String nodeName) {
    return client.leases().inNamespace("kube-node-lease").withName(nodeName).get();
  }

  private ZonedDateTime renewTime(String nodeName) {
    return lease(nodeName).getSpec().getRenewTime();
  }
}
