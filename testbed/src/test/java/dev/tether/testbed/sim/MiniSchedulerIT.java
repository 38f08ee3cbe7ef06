package dev.tether.testbed.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.NodeSelectorRequirementBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MiniSchedulerIT extends SimulationTestBase {

  @Test
  void bindsHonoringNodeSelectorAndANameExclusion() {
    String a = nodeName("a");
    String b = nodeName("b");
    String c = nodeName("c");
    cluster.addNode(a, Map.of("zone", "x"));
    cluster.addNode(b, Map.of("zone", "x"));
    cluster.addNode(c, Map.of("zone", "y"));

    client.pods().inNamespace(ns).resource(podBuilder("p", Map.of("zone", "x"))
        .editSpec()
          .withNewAffinity().withNewNodeAffinity().withNewRequiredDuringSchedulingIgnoredDuringExecution()
            .addNewNodeSelectorTerm()
              .withMatchFields(new NodeSelectorRequirementBuilder()
                  .withKey("metadata.name").withOperator("NotIn").withValues(a).build())
            .endNodeSelectorTerm()
          .endRequiredDuringSchedulingIgnoredDuringExecution().endNodeAffinity().endAffinity()
        .endSpec()
        .build()).create();

    eventually().until(() -> b.equals(nodeOf("p")));
  }

  @Test
  void marksUnschedulableAndBindsOnceANodeFits() {
    String cordoned = nodeName("cordoned");
    cluster.addNode(cordoned, Map.of("pool", "gpu")).cordon();
    cluster.addNode(nodeName("other"), Map.of("pool", "cpu"));

    createPod("p", Map.of("pool", "gpu"));

    eventually().until(() -> condition(pod("p"), "PodScheduled")
        .filter(c -> "False".equals(c.getStatus()) && "Unschedulable".equals(c.getReason()))
        .isPresent());
    assertThat(condition(pod("p"), "PodScheduled").orElseThrow().getMessage()).isEqualTo(
        "0/2 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) were unschedulable.");

    String fresh = nodeName("fresh");
    cluster.addNode(fresh, Map.of("pool", "gpu"));

    eventually().until(() -> fresh.equals(nodeOf("p")));
    eventually().until(() -> isRunningAndReady(pod("p")));
  }

  @Test
  void uncordonLetsPodsIn() {
    String only = nodeName("only");
    SimulatedNode node = cluster.addNode(only, Map.of());
    node.cordon();
    createPod("p", Map.of());
    eventually().until(() -> condition(pod("p"), "PodScheduled")
        .filter(c -> "Unschedulable".equals(c.getReason())).isPresent());

    node.uncordon();

    eventually().until(() -> only.equals(nodeOf("p")));
  }

  @Test
  void skipsUntoleratedTaintsAndSpreadsByLoad() {
    String tainted = nodeName("tainted");
    String first = nodeName("first");
    String second = nodeName("second");
    cluster.addNode(tainted, Map.of());
    client.nodes().withName(tainted).edit(n -> {
      n.getSpec().setTaints(List.of(new io.fabric8.kubernetes.api.model.TaintBuilder()
          .withKey("dedicated").withValue("infra").withEffect("NoSchedule").build()));
      return n;
    });
    cluster.addNode(first, Map.of());
    cluster.addNode(second, Map.of());

    createPod("p1", Map.of());
    eventually().until(() -> nodeOf("p1") != null);
    createPod("p2", Map.of());
    eventually().until(() -> nodeOf("p2") != null);

    assertThat(List.of(nodeOf("p1"), nodeOf("p2"))).containsExactlyInAnyOrder(first, second);
  }
}
