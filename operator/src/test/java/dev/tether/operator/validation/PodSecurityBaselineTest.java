package dev.tether.operator.validation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.AgentSessionSpec;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PodSecurityBaselineTest {
  private static final String WHY = " is not allowed: the operator enforces the baseline pod security level "
      + "(an admin may lift it with TETHER_POD_SECURITY=privileged)";

  @Test
  void anOrdinaryAgentPasses() {
    PodSpec pod = new PodSpecBuilder().addNewContainer().withName("agent").withImage("example.org/agent:1")
        .withNewSecurityContext().withRunAsNonRoot(true).withNewCapabilities().addToAdd("NET_BIND_SERVICE")
        .addToDrop("ALL").endCapabilities().endSecurityContext().addNewPort().withContainerPort(8080).endPort()
        .endContainer().build();
    assertThat(PodSecurityBaseline.violations(pod)).isEmpty();
  }

  @Test
  void everythingThatReachesTheHostIsNamed() {
    PodSpec pod = new PodSpecBuilder().withHostNetwork(true).withHostPID(true).withHostIPC(true)
        .addNewVolume().withName("root").withNewHostPath().withPath("/").endHostPath().endVolume()
        .addNewInitContainer().withName("setup").withImage("x").withNewSecurityContext().withPrivileged(true)
        .endSecurityContext().endInitContainer()
        .addNewContainer().withName("agent").withImage("x").withNewSecurityContext().withNewCapabilities()
        .addToAdd("SYS_ADMIN", "CAP_CHOWN").endCapabilities().endSecurityContext()
        .addNewPort().withContainerPort(8765).withHostPort(8765).endPort().endContainer().build();
    assertThat(PodSecurityBaseline.violations(pod)).containsExactly(
        "spec.template.spec.hostNetwork" + WHY,
        "spec.template.spec.hostPID" + WHY,
        "spec.template.spec.hostIPC" + WHY,
        "hostPath volume 'root'" + WHY,
        "capability SYS_ADMIN of container 'agent'" + WHY,
        "hostPort 8765 of container 'agent'" + WHY,
        "privileged container 'setup'" + WHY);
  }

  @Test
  void theValidatorAppliesItUnlessTheAdminLiftedIt() {
    AgentSession session = new AgentSession();
    session.setSpec(new AgentSessionSpec());
    PodTemplateSpec template = new PodTemplateSpec();
    template.setSpec(new PodSpecBuilder().withHostNetwork(true).addNewContainer().withName("agent").withImage("x")
        .endContainer().build());
    session.getSpec().setTemplate(template);
    SessionLimits limits = SessionLimits.fromEnv(Map.of(), Duration.ofSeconds(20));
    assertThat(new SessionSpecValidator(name -> true, limits, true).validate(session))
        .containsExactly("spec.template.spec.hostNetwork" + WHY);
    assertThat(new SessionSpecValidator(name -> true, limits, false).validate(session)).isEmpty();
  }
}
