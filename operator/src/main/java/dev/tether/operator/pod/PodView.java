package dev.tether.operator.pod;

import dev.tether.api.Tether;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

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

  /** The agent finished: the pod succeeded, or every agent container exited 0 for good. */
  public static boolean hasFinished(Pod pod) {
    return "Succeeded".equals(phase(pod)) || agentOutcome(pod).filter(Boolean::booleanValue).isPresent();
  }

  /** The pod failed, or every agent container has exited for good and one of them failed. */
  public static boolean hasFailed(Pod pod) {
    return "Failed".equals(phase(pod)) || agentOutcome(pod).filter(succeeded -> !succeeded).isPresent();
  }

  /**
   * Whether the agent's containers (all but the supervisor) have all exited for good, judged the way the
   * kubelet judges a pod: with {@code restartPolicy: Never} any exit is final, with {@code OnFailure} only exit 0,
   * with {@code Always} none. Empty while any still runs or will be restarted; else whether all exited 0.
   * The pod's own phase says the same only once the supervisor has exited too, which it does when told so.
   */
  static Optional<Boolean> agentOutcome(Pod pod) {
    String restartPolicy = pod.getSpec() == null ? null : pod.getSpec().getRestartPolicy();
    if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null
        || "Always".equals(restartPolicy) || restartPolicy == null) {
      return Optional.empty();
    }
    List<ContainerStatus> agents = pod.getStatus().getContainerStatuses().stream()
        .filter(c -> !Tether.SUPERVISOR_CONTAINER.equals(c.getName())).toList();
    long declared = pod.getSpec().getContainers().stream()
        .filter(c -> !Tether.SUPERVISOR_CONTAINER.equals(c.getName())).count();
    if (agents.isEmpty() || agents.size() < declared) {
      return Optional.empty();
    }
    boolean allSucceeded = true;
    for (ContainerStatus c : agents) {
      var terminated = c.getState() == null ? null : c.getState().getTerminated();
      if (terminated == null) {
        return Optional.empty();
      }
      boolean succeeded = terminated.getExitCode() != null && terminated.getExitCode() == 0;
      if (!succeeded && !"Never".equals(restartPolicy)) {
        return Optional.empty(); // OnFailure: the kubelet restarts it
      }
      allSucceeded &= succeeded;
    }
    return Optional.of(allSucceeded);
  }

  /** The supervisor runs as an ordinary container of the pod and has not exited. */
  public static boolean supervisorRunning(Pod pod) {
    return pod.getStatus() != null && pod.getStatus().getContainerStatuses() != null
        && pod.getStatus().getContainerStatuses().stream()
            .anyMatch(c -> Tether.SUPERVISOR_CONTAINER.equals(c.getName()) && c.getState() != null
                && c.getState().getTerminated() == null);
  }

  /**
   * What keeps the pod from becoming Ready, as the kubelet reports it: containers waiting with a reason
   * (ImagePullBackOff, CrashLoopBackOff, CreateContainerConfigError, ...), or running but not ready.
   * Empty when the pod reports nothing.
   */
  public static Optional<String> notReadyDetail(Pod pod) {
    if (pod.getStatus() == null) {
      return Optional.empty();
    }
    List<ContainerStatus> all = new java.util.ArrayList<>();
    if (pod.getStatus().getInitContainerStatuses() != null) {
      all.addAll(pod.getStatus().getInitContainerStatuses());
    }
    if (pod.getStatus().getContainerStatuses() != null) {
      all.addAll(pod.getStatus().getContainerStatuses());
    }
    String detail = all.stream().map(PodView::problem).flatMap(Optional::stream).collect(Collectors.joining("; "));
    return detail.isEmpty() ? Optional.empty() : Optional.of(detail);
  }

  private static Optional<String> problem(ContainerStatus c) {
    var state = c.getState();
    if (state != null && state.getWaiting() != null && state.getWaiting().getReason() != null
        && !"PodInitializing".equals(state.getWaiting().getReason())
        && !"ContainerCreating".equals(state.getWaiting().getReason())) {
      String message = state.getWaiting().getMessage();
      return Optional.of(c.getName() + ": " + state.getWaiting().getReason()
          + (message == null || message.isBlank() ? "" : " (" + message + ")"));
    }
    if (state != null && state.getRunning() != null && Boolean.FALSE.equals(c.getReady())) {
      return Optional.of(c.getName() + ": running, not ready");
    }
    return Optional.empty();
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
