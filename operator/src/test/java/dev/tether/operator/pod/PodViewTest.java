package dev.tether.operator.pod;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.api.Tether;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How the operator reads a real pod: the agent's outcome beside a supervisor that is still running. */
class PodViewTest {
  private static ContainerStatus exited(String name, int code) {
    return new ContainerStatusBuilder().withName(name).withReady(false)
        .withNewState().withNewTerminated().withExitCode(code).endTerminated().endState().build();
  }

  private static ContainerStatus running(String name, boolean ready) {
    return new ContainerStatusBuilder().withName(name).withReady(ready)
        .withNewState().withNewRunning().endRunning().endState().build();
  }

  private static ContainerStatus waiting(String name, String reason, String message) {
    return new ContainerStatusBuilder().withName(name).withReady(false)
        .withNewState().withNewWaiting().withReason(reason).withMessage(message).endWaiting().endState().build();
  }

  private static Pod pod(String restartPolicy, ContainerStatus... statuses) {
    PodBuilder pod = new PodBuilder().withNewMetadata().withName("s1-1").endMetadata()
        .withNewSpec().withRestartPolicy(restartPolicy).endSpec()
        .withNewStatus().withPhase("Running").withContainerStatuses(List.of(statuses)).endStatus();
    for (ContainerStatus status : statuses) {
      pod.editSpec().addNewContainer().withName(status.getName()).endContainer().endSpec();
    }
    return pod.build();
  }

  @Test
  void anAgentThatExitedZeroHasFinishedWhileItsSupervisorStillRuns() {
    Pod pod = pod("OnFailure", exited("agent", 0), running(Tether.SUPERVISOR_CONTAINER, true));
    assertThat(PodView.hasFinished(pod)).isTrue();
    assertThat(PodView.hasFailed(pod)).isFalse();
    assertThat(PodView.supervisorRunning(pod)).isTrue();
    assertThat(PodView.isSafeToForceDelete(pod)).isTrue();
  }

  @Test
  void aFailedAgentIsFinalOnlyUnderRestartPolicyNever() {
    assertThat(PodView.hasFailed(pod("Never", exited("agent", 3), running(Tether.SUPERVISOR_CONTAINER, true))))
        .isTrue();
    Pod restarting = pod("OnFailure", exited("agent", 3), running(Tether.SUPERVISOR_CONTAINER, true));
    assertThat(PodView.hasFailed(restarting)).as("the kubelet restarts it").isFalse();
    assertThat(PodView.hasFinished(restarting)).isFalse();
  }

  @Test
  void underRestartPolicyAlwaysNothingIsEverFinal() {
    Pod pod = pod("Always", exited("agent", 0), running(Tether.SUPERVISOR_CONTAINER, true));
    assertThat(PodView.hasFinished(pod)).isFalse();
    assertThat(PodView.hasFailed(pod)).isFalse();
  }

  @Test
  void everyAgentContainerMustHaveExited() {
    Pod pod = pod("Never", exited("agent", 0), running("tool-server", true), running(Tether.SUPERVISOR_CONTAINER, true));
    assertThat(PodView.hasFinished(pod)).isFalse();
    Pod oneFailed = pod("Never", exited("agent", 0), exited("tool-server", 1), exited(Tether.SUPERVISOR_CONTAINER, 0));
    assertThat(PodView.hasFailed(oneFailed)).isTrue();
    assertThat(PodView.supervisorRunning(oneFailed)).isFalse();
  }

  @Test
  void whatKeepsAPodFromReadinessIsNamedAsTheKubeletReportsIt() {
    Pod pod = pod("OnFailure", waiting("agent", "CreateContainerConfigError", "secret \"tether-etcd\" not found"),
        running(Tether.SUPERVISOR_CONTAINER, false));
    assertThat(PodView.notReadyDetail(pod)).contains("agent: CreateContainerConfigError (secret \"tether-etcd\" not"
        + " found); tether-supervisor: running, not ready");
    assertThat(PodView.notReadyDetail(pod("OnFailure", waiting("agent", "ContainerCreating", null)))).isEmpty();
  }
}
