package dev.tether.operator.pod;

import dev.tether.api.Tether;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import java.util.Optional;

/** Read-only questions about a session pod. */
public final class PodView {
  private PodView() {}

  public static long epoch(Pod pod) {
    String value = pod.getMetadata().getLabels() == null ? null : pod.getMetadata().getLabels().get(Tether.LABEL_EPOCH);
    try {
      return value == null ? -1 : Long.parseLong(value);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  public static String phase(Pod pod) {
    return pod.getStatus() == null || pod.getStatus().getPhase() == null ? "Pending" : pod.getStatus().getPhase();
  }

  public static boolean isTerminating(Pod pod) {
    return pod.getMetadata().getDeletionTimestamp() != null;
  }

  public static boolean hasFinished(Pod pod) {
    return "Succeeded".equals(phase(pod));
  }

  public static boolean hasFailed(Pod pod) {
    return "Failed".equals(phase(pod));
  }

  /** Containers are known not to run: terminal phase or never bound to a node. */
  public static boolean isSafeToForceDelete(Pod pod) {
    return hasFailed(pod) || hasFinished(pod) || node(pod) == null;
  }

  public static String node(Pod pod) {
    return pod.getSpec() == null ? null : pod.getSpec().getNodeName();
  }

  public static boolean isReady(Pod pod) {
    return condition(pod, "Ready").map(c -> "True".equals(c.getStatus())).orElse(false);
  }

  public static boolean wasEvicted(Pod pod) {
    return pod.getStatus() != null && "Evicted".equals(pod.getStatus().getReason());
  }

  /** The scheduler's explanation when the pod cannot be placed. */
  public static Optional<String> unschedulableMessage(Pod pod) {
    return condition(pod, "PodScheduled")
        .filter(c -> "False".equals(c.getStatus()) && "Unschedulable".equals(c.getReason()))
        .map(PodCondition::getMessage);
  }

  private static Optional<PodCondition> condition(Pod pod, String type) {
    if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
      return Optional.empty();
    }
    return pod.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst();
  }
}
