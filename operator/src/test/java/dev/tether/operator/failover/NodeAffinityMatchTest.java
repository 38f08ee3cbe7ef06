package dev.tether.operator.failover;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeSelector;
import io.fabric8.kubernetes.api.model.NodeSelectorBuilder;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTermBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodeAffinityMatchTest {
  private final Node a = node("a", Map.of("kubernetes.io/hostname", "a", "topology.kubernetes.io/zone", "z1",
      "cores", "8"));
  private final Node b = node("b", Map.of("kubernetes.io/hostname", "b", "topology.kubernetes.io/zone", "z1"));

  @Test
  void aHostnameAffinityMatchesItsNodeOnly() {
    NodeSelector local = selector(List.of(req("kubernetes.io/hostname", "In", "a")), List.of());
    assertThat(NodeAffinityMatch.matches(local, a)).isTrue();
    assertThat(NodeAffinityMatch.matches(local, b)).isFalse();
  }

  @Test
  void aZoneAffinityMatchesEveryNodeOfTheZone() {
    NodeSelector zonal = selector(List.of(req("topology.kubernetes.io/zone", "In", "z1", "z2")), List.of());
    assertThat(NodeAffinityMatch.matches(zonal, a)).isTrue();
    assertThat(NodeAffinityMatch.matches(zonal, b)).isTrue();
  }

  @Test
  void requirementsOfATermAreAndedAndTermsOred() {
    NodeSelector both = selector(List.of(req("topology.kubernetes.io/zone", "In", "z1"),
        req("kubernetes.io/hostname", "NotIn", "a")), List.of());
    assertThat(NodeAffinityMatch.matches(both, a)).isFalse();
    assertThat(NodeAffinityMatch.matches(both, b)).isTrue();
    NodeSelector either = new NodeSelectorBuilder()
        .addToNodeSelectorTerms(new NodeSelectorTermBuilder().withMatchExpressions(req("kubernetes.io/hostname", "In", "x")).build())
        .addToNodeSelectorTerms(new NodeSelectorTermBuilder().withMatchFields(req("metadata.name", "In", "b")).build())
        .build();
    assertThat(NodeAffinityMatch.matches(either, a)).isFalse();
    assertThat(NodeAffinityMatch.matches(either, b)).isTrue();
  }

  @Test
  void existenceAndNumericOperators() {
    assertThat(NodeAffinityMatch.matches(selector(List.of(req("cores", "Exists")), List.of()), a)).isTrue();
    assertThat(NodeAffinityMatch.matches(selector(List.of(req("cores", "DoesNotExist")), List.of()), b)).isTrue();
    assertThat(NodeAffinityMatch.matches(selector(List.of(req("cores", "Gt", "4")), List.of()), a)).isTrue();
    assertThat(NodeAffinityMatch.matches(selector(List.of(req("cores", "Lt", "4")), List.of()), a)).isFalse();
    assertThat(NodeAffinityMatch.matches(selector(List.of(req("cores", "Gt", "4")), List.of()), b)).isFalse();
  }

  @Test
  void anEmptyTermMatchesNoNode() {
    NodeSelector empty = new NodeSelectorBuilder().addToNodeSelectorTerms(new NodeSelectorTermBuilder().build()).build();
    assertThat(NodeAffinityMatch.matches(empty, a)).isFalse();
  }

  private static NodeSelector selector(List<NodeSelectorRequirement> expressions, List<NodeSelectorRequirement> fields) {
    return new NodeSelectorBuilder().addToNodeSelectorTerms(new NodeSelectorTermBuilder()
        .withMatchExpressions(expressions).withMatchFields(fields).build()).build();
  }

  private static NodeSelectorRequirement req(String key, String operator, String... values) {
    return new NodeSelectorRequirement(key, operator, List.of(values));
  }

  private static Node node(String name, Map<String, String> labels) {
    return new NodeBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata().build();
  }
}
