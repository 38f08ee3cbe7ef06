package dev.tether.testbed.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirementBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodeFitTest {
  private final Node node = new NodeBuilder()
      .withNewMetadata().withName("n1").withLabels(Map.of("zone", "x", "gen", "5")).endMetadata()
      .withNewSpec().endSpec()
      .withNewStatus().withAllocatable(Map.of("cpu", new Quantity("2"), "pods", new Quantity("2"))).endStatus()
      .build();

  @Test
  void requirementOperatorsMatchLabels() {
    Map<String, String> labels = node.getMetadata().getLabels();
    assertThat(NodeFit.matches(req("zone", "In", "x", "y"), labels)).isTrue();
    assertThat(NodeFit.matches(req("zone", "NotIn", "x"), labels)).isFalse();
    assertThat(NodeFit.matches(req("missing", "NotIn", "x"), labels)).isTrue();
    assertThat(NodeFit.matches(req("zone", "Exists"), labels)).isTrue();
    assertThat(NodeFit.matches(req("zone", "DoesNotExist"), labels)).isFalse();
    assertThat(NodeFit.matches(req("gen", "Gt", "4"), labels)).isTrue();
    assertThat(NodeFit.matches(req("gen", "Lt", "4"), labels)).isFalse();
  }

  @Test
  void affinityTermsAreOredAndTheirExpressionsAnded() {
    Pod bothInOneTerm = podWithTerms(List.of(List.of(req("zone", "In", "x"), req("gen", "In", "4"))));
    Pod eitherTerm = podWithTerms(List.of(List.of(req("zone", "In", "y")), List.of(req("gen", "In", "5"))));
    Pod excludedByName = podWithTerms(List.of(List.of(req("metadata.name", "NotIn", "n1"))));

    assertThat(NodeFit.matchesRequiredAffinity(bothInOneTerm, node)).isFalse();
    assertThat(NodeFit.matchesRequiredAffinity(eitherTerm, node)).isTrue();
    assertThat(NodeFit.matchesRequiredAffinity(excludedByName, node)).isFalse();
  }

  @Test
  void tolerationsMatchLikeKubernetes() {
    Taint taint = new TaintBuilder().withKey("dedicated").withValue("gpu").withEffect("NoSchedule").build();
    assertThat(NodeFit.tolerates(tol("dedicated", "Equal", "gpu", "NoSchedule"), taint)).isTrue();
    assertThat(NodeFit.tolerates(tol("dedicated", "Equal", "cpu", "NoSchedule"), taint)).isFalse();
    assertThat(NodeFit.tolerates(tol("dedicated", "Exists", null, null), taint)).isTrue();
    assertThat(NodeFit.tolerates(tol(null, "Exists", null, null), taint)).isTrue();
    assertThat(NodeFit.tolerates(tol("dedicated", "Exists", null, "NoExecute"), taint)).isFalse();
  }

  @Test
  void reportsTheFirstFailingFilter() {
    Pod pod = new PodBuilder().withNewSpec().addNewContainer().withName("c").withNewResources()
        .addToRequests("cpu", new Quantity("1500m")).endResources().endContainer().endSpec().build();

    assertThat(NodeFit.check(pod, node, false, List.of())).contains(NodeFit.NOT_READY);
    assertThat(NodeFit.check(pod, node, true, List.of())).isEmpty();
    assertThat(NodeFit.check(pod, node, true, List.of(pod))).contains("Insufficient cpu");
    Node cordoned = new NodeBuilder(node).editSpec().withUnschedulable(true).endSpec().build();
    assertThat(NodeFit.check(pod, cordoned, true, List.of())).contains(NodeFit.UNSCHEDULABLE);
  }

  private static io.fabric8.kubernetes.api.model.NodeSelectorRequirement req(String key, String op, String... values) {
    return new NodeSelectorRequirementBuilder().withKey(key).withOperator(op).withValues(values).build();
  }

  private static Toleration tol(String key, String op, String value, String effect) {
    return new TolerationBuilder().withKey(key).withOperator(op).withValue(value).withEffect(effect).build();
  }

  private static Pod podWithTerms(List<List<io.fabric8.kubernetes.api.model.NodeSelectorRequirement>> terms) {
    var required = new io.fabric8.kubernetes.api.model.NodeSelectorBuilder();
    for (var term : terms) {
      var labelReqs = term.stream().filter(r -> !r.getKey().equals("metadata.name")).toList();
      var fieldReqs = term.stream().filter(r -> r.getKey().equals("metadata.name")).toList();
      required.addNewNodeSelectorTerm().withMatchExpressions(labelReqs).withMatchFields(fieldReqs).endNodeSelectorTerm();
    }
    return new PodBuilder().withNewSpec()
        .withNewAffinity().withNewNodeAffinity().withRequiredDuringSchedulingIgnoredDuringExecution(required.build())
        .endNodeAffinity().endAffinity()
        .addNewContainer().withName("c").endContainer()
        .endSpec().build();
  }
}
