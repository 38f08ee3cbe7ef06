package dev.tether.operator.failover;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeSelector;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import java.util.List;
import java.util.Map;

/**
 * Whether a node satisfies a required node selector, the way the scheduler reads a PersistentVolume's
 * {@code nodeAffinity}: the terms are ORed, the requirements of a term ANDed, and a term without requirements
 * matches no node. {@code matchFields} knows {@code metadata.name} only, as the API does.
 */
final class NodeAffinityMatch {
  private NodeAffinityMatch() {}

  static boolean matches(NodeSelector selector, Node node) {
    if (selector == null || selector.getNodeSelectorTerms() == null) {
      return true;
    }
    return selector.getNodeSelectorTerms().stream().anyMatch(term -> matches(term, node));
  }

  private static boolean matches(NodeSelectorTerm term, Node node) {
    List<NodeSelectorRequirement> expressions = term.getMatchExpressions() == null ? List.of() : term.getMatchExpressions();
    List<NodeSelectorRequirement> fields = term.getMatchFields() == null ? List.of() : term.getMatchFields();
    if (expressions.isEmpty() && fields.isEmpty()) {
      return false;
    }
    Map<String, String> labels = node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
    Map<String, String> nodeFields = Map.of("metadata.name", node.getMetadata().getName());
    return expressions.stream().allMatch(r -> satisfies(r, labels))
        && fields.stream().allMatch(r -> satisfies(r, nodeFields));
  }

  private static boolean satisfies(NodeSelectorRequirement requirement, Map<String, String> values) {
    String value = values.get(requirement.getKey());
    List<String> wanted = requirement.getValues() == null ? List.of() : requirement.getValues();
    return switch (requirement.getOperator()) {
      case "In" -> value != null && wanted.contains(value);
      case "NotIn" -> value == null || !wanted.contains(value);
      case "Exists" -> value != null;
      case "DoesNotExist" -> value == null;
      case "Gt" -> compare(value, wanted) > 0;
      case "Lt" -> compare(value, wanted) < 0;
      default -> false;
    };
  }

  /** Gt and Lt compare integers; a missing or non-numeric value satisfies neither. */
  private static int compare(String value, List<String> wanted) {
    if (value == null || wanted.size() != 1) {
      return 0;
    }
    try {
      return Long.compare(Long.parseLong(value), Long.parseLong(wanted.get(0)));
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
