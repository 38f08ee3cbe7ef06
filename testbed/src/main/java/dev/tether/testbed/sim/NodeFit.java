package dev.tether.testbed.sim;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import java.math.BigDecimal;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The scheduler's filters, in the order kube-scheduler runs them. Each returns the reason a node does not fit,
 * worded like kube-scheduler's, so the Unschedulable message reads the same.
 */
final class NodeFit {
  static final String UNSCHEDULABLE = "node(s) were unschedulable";
  static final String AFFINITY = "node(s) didn't match Pod's node affinity/selector";
  static final String NOT_READY = "node(s) had taint {node.kubernetes.io/unreachable: }, that the pod didn't tolerate";
  static final String TOO_MANY_PODS = "Too many pods";
  static final String VOLUME_AFFINITY = "node(s) had volume node affinity conflict";

  private NodeFit() {}

  /** The first filter the node fails, or empty when the pod fits. */
  static Optional<String> check(Pod pod, Node node, boolean healthy, Collection<Pod> podsOnNode) {
    if (!healthy) {
      return Optional.of(NOT_READY);
    }
    if (Boolean.TRUE.equals(node.getSpec().getUnschedulable())) {
      return Optional.of(UNSCHEDULABLE);
    }
    Optional<Taint> untolerated = untoleratedTaint(pod, node);
    if (untolerated.isPresent()) {
      Taint taint = untolerated.get();
      return Optional.of("node(s) had taint {" + taint.getKey() + ": " + Objects.toString(taint.getValue(), "")
          + "}, that the pod didn't tolerate");
    }
    if (!matchesNodeSelector(pod, node) || !matchesRequiredAffinity(pod, node)) {
      return Optional.of(AFFINITY);
    }
    return insufficientResource(pod, node, podsOnNode);
  }

  static Optional<Taint> untoleratedTaint(Pod pod, Node node) {
    List<Taint> taints = node.getSpec().getTaints();
    if (taints == null) {
      return Optional.empty();
    }
    List<Toleration> tolerations = pod.getSpec().getTolerations() == null ? List.of() : pod.getSpec().getTolerations();
    return taints.stream()
        .filter(taint -> "NoSchedule".equals(taint.getEffect()) || "NoExecute".equals(taint.getEffect()))
        .filter(taint -> tolerations.stream().noneMatch(toleration -> tolerates(toleration, taint)))
        .findFirst();
  }

  static boolean tolerates(Toleration toleration, Taint taint) {
    if (notEmpty(toleration.getEffect()) && !toleration.getEffect().equals(taint.getEffect())) {
      return false;
    }
    if (notEmpty(toleration.getKey()) && !toleration.getKey().equals(taint.getKey())) {
      return false;
    }
    if ("Exists".equals(toleration.getOperator())) {
      return true;
    }
    return notEmpty(toleration.getKey())
        && Objects.toString(toleration.getValue(), "").equals(Objects.toString(taint.getValue(), ""));
  }

  static boolean matchesNodeSelector(Pod pod, Node node) {
    Map<String, String> selector = pod.getSpec().getNodeSelector();
    if (selector == null || selector.isEmpty()) {
      return true;
    }
    Map<String, String> labels = labels(node);
    return selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
  }

  /** Required node affinity: terms are ORed, the expressions and fields within a term ANDed. */
  static boolean matchesRequiredAffinity(Pod pod, Node node) {
    var affinity = pod.getSpec().getAffinity();
    if (affinity == null || affinity.getNodeAffinity() == null
        || affinity.getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution() == null) {
      return true;
    }
    List<NodeSelectorTerm> terms =
        affinity.getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms();
    return terms != null && terms.stream().anyMatch(term -> matches(term, node));
  }

  /** A PersistentVolume's required node affinity (local volumes): the same rules as a pod's. */
  static boolean matchesVolumeAffinity(io.fabric8.kubernetes.api.model.PersistentVolume pv, Node node) {
    if (pv.getSpec().getNodeAffinity() == null || pv.getSpec().getNodeAffinity().getRequired() == null) {
      return true;
    }
    List<NodeSelectorTerm> terms = pv.getSpec().getNodeAffinity().getRequired().getNodeSelectorTerms();
    return terms != null && terms.stream().anyMatch(term -> matches(term, node));
  }

  private static boolean matches(NodeSelectorTerm term, Node node) {
    List<NodeSelectorRequirement> expressions = nullToEmpty(term.getMatchExpressions());
    List<NodeSelectorRequirement> fields = nullToEmpty(term.getMatchFields());
    if (expressions.isEmpty() && fields.isEmpty()) {
      return false; // an empty term matches no objects
    }
    Map<String, String> labels = labels(node);
    Map<String, String> nodeFields = Map.of("metadata.name", node.getMetadata().getName());
    return expressions.stream().allMatch(r -> matches(r, labels))
        && fields.stream().allMatch(r -> matches(r, nodeFields));
  }

  static boolean matches(NodeSelectorRequirement requirement, Map<String, String> values) {
    String value = values.get(requirement.getKey());
    List<String> operands = nullToEmpty(requirement.getValues());
    return switch (requirement.getOperator()) {
      case "In" -> value != null && operands.contains(value);
      case "NotIn" -> value == null || !operands.contains(value);
      case "Exists" -> value != null;
      case "DoesNotExist" -> value == null;
      case "Gt" -> value != null && operands.size() == 1 && compareAsLong(value, operands.get(0)) > 0;
      case "Lt" -> value != null && operands.size() == 1 && compareAsLong(value, operands.get(0)) < 0;
      default -> false;
    };
  }

  private static Optional<String> insufficientResource(Pod pod, Node node, Collection<Pod> podsOnNode) {
    Map<String, Quantity> allocatable = node.getStatus() == null ? null : node.getStatus().getAllocatable();
    if (allocatable == null) {
      return Optional.empty();
    }
    Quantity maxPods = allocatable.get("pods");
    if (maxPods != null && podsOnNode.size() + 1 > maxPods.getNumericalAmount().intValue()) {
      return Optional.of(TOO_MANY_PODS);
    }
    for (String resource : List.of("cpu", "memory")) {
      Quantity capacity = allocatable.get(resource);
      if (capacity == null) {
        continue;
      }
      BigDecimal used = podsOnNode.stream().map(p -> request(p, resource)).reduce(BigDecimal.ZERO, BigDecimal::add);
      if (used.add(request(pod, resource)).compareTo(capacity.getNumericalAmount()) > 0) {
        return Optional.of("Insufficient " + resource);
      }
    }
    return Optional.empty();
  }

  static BigDecimal request(Pod pod, String resource) {
    BigDecimal sum = BigDecimal.ZERO;
    for (Container container : pod.getSpec().getContainers()) {
      if (container.getResources() != null && container.getResources().getRequests() != null) {
        Quantity quantity = container.getResources().getRequests().get(resource);
        if (quantity != null) {
          sum = sum.add(quantity.getNumericalAmount());
        }
      }
    }
    return sum;
  }

  private static int compareAsLong(String value, String operand) {
    try {
      return Long.compare(Long.parseLong(value), Long.parseLong(operand));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static Map<String, String> labels(Node node) {
    return node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
  }

  private static <T> List<T> nullToEmpty(List<T> list) {
    return list == null ? List.of() : list;
  }

  private static boolean notEmpty(String s) {
    return s != null && !s.isEmpty();
  }
}
