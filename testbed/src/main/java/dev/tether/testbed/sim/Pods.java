package dev.tether.testbed.sim;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.PodStatus;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/** Pod facts and the statuses a kubelet reports. */
final class Pods {
  static final String LOOPBACK = "127.0.0.1";

  private Pods() {}

  static String key(Pod pod) {
    return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
  }

  static boolean isTerminal(Pod pod) {
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    return "Succeeded".equals(phase) || "Failed".equals(phase);
  }

  static boolean isDeleting(Pod pod) {
    return pod.getMetadata().getDeletionTimestamp() != null;
  }

  static String now() {
    return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
  }

  static PodStatus running(Pod pod, String startTime, boolean ready) {
    String readiness = ready ? "True" : "False";
    List<ContainerStatus> containers = new ArrayList<>();
    for (Container container : pod.getSpec().getContainers()) {
      containers.add(containerStatus(pod, container, ready)
          .withStarted(true)
          .withNewState().withNewRunning(startTime).endState()
          .build());
    }
    return base(pod, startTime, "Running")
        .withConditions(scheduled(), condition("Initialized", "True", null),
            condition("ContainersReady", readiness, ready ? null : "ContainersNotReady"),
            condition("Ready", readiness, ready ? null : "ContainersNotReady"))
        .withContainerStatuses(containers)
        .build();
  }

  static PodStatus terminated(Pod pod, String startTime, int exitCode) {
    return terminated(pod, startTime, exitCode, exitCode == 0 ? "Completed" : "Error",
        exitCode == 0 ? "Succeeded" : "Failed", null, null);
  }

  static PodStatus evicted(Pod pod, String startTime, String message) {
    return terminated(pod, startTime, 137, "Error", "Failed", "Evicted", message);
  }

  private static PodStatus terminated(Pod pod, String startTime, int exitCode, String containerReason,
      String phase, String podReason, String podMessage) {
    String finishedAt = now();
    List<ContainerStatus> containers = new ArrayList<>();
    for (Container container : pod.getSpec().getContainers()) {
      containers.add(containerStatus(pod, container, false)
          .withStarted(false)
          .withNewState().withNewTerminated()
            .withExitCode(exitCode).withReason(containerReason)
            .withStartedAt(startTime).withFinishedAt(finishedAt)
            .withContainerID(containerId(pod, container))
          .endTerminated().endState()
          .build());
    }
    return base(pod, startTime, phase)
        .withReason(podReason)
        .withMessage(podMessage)
        .withConditions(scheduled(), condition("Initialized", "True", null),
            condition("ContainersReady", "False", "PodCompleted"), condition("Ready", "False", "PodCompleted"))
        .withContainerStatuses(containers)
        .build();
  }

  private static io.fabric8.kubernetes.api.model.PodStatusBuilder base(Pod pod, String startTime, String phase) {
    return new io.fabric8.kubernetes.api.model.PodStatusBuilder()
        .withPhase(phase)
        .withHostIP(LOOPBACK)
        .withPodIP(LOOPBACK)
        .withPodIPs(new PodIP(LOOPBACK))
        .withStartTime(startTime)
        .withQosClass(pod.getStatus() == null ? null : pod.getStatus().getQosClass());
  }

  private static ContainerStatusBuilder containerStatus(Pod pod, Container container, boolean ready) {
    return new ContainerStatusBuilder()
        .withName(container.getName())
        .withImage(container.getImage())
        .withImageID("")
        .withContainerID(containerId(pod, container))
        .withReady(ready)
        .withRestartCount(0);
  }

  private static String containerId(Pod pod, Container container) {
    return "sim://" + pod.getMetadata().getUid() + "/" + container.getName();
  }

  private static PodCondition scheduled() {
    return condition("PodScheduled", "True", null);
  }

  static PodCondition condition(String type, String status, String reason) {
    return new PodConditionBuilder()
        .withType(type).withStatus(status).withReason(reason).withLastTransitionTime(now())
        .build();
  }
}
