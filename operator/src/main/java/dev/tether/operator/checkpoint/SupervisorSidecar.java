package dev.tether.operator.checkpoint;

import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.operator.pod.SessionPodFactory;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import java.util.ArrayList;
import java.util.List;

/**
 * Injects the session supervisor into every session pod: the operator's own image with the supervisor's
 * entry point, listening on localhost only, where the agent reaches it at http://127.0.0.1:8765. It gets
 * the same TETHER_* identity and checkpoint mount as the agent (added by the pod factory).
 */
public final class SupervisorSidecar implements SessionPodFactory.PodDecorator {
  public static final String CONTAINER = "tether-supervisor";
  public static final int PORT = 8765;

  private final String image;
  private final List<EnvVar> storeEnv;
  private final SecurityContext securityContext;

  public SupervisorSidecar(String image, List<EnvVar> storeEnv, SecurityContext securityContext) {
    this.image = image;
    this.storeEnv = List.copyOf(storeEnv);
    this.securityContext = securityContext != null ? securityContext : restricted();
  }

  @Override
  public void decorate(AgentSession session, long epoch, PodSpec spec) {
    List<EnvVar> env = new ArrayList<>(storeEnv);
    env.add(new EnvVarBuilder().withName("TETHER_RESTORE_POLICY")
        .withValue(session.getSpec().getCheckpoint().getRestorePolicy().name()).build());
    env.add(new EnvVarBuilder().withName("TETHER_RETAIN")
        .withValue(Integer.toString(session.getSpec().getCheckpoint().getRetain())).build());
    env.add(new EnvVarBuilder().withName("TETHER_SUPERVISOR_PORT").withValue(Integer.toString(PORT)).build());
    Container supervisor = new ContainerBuilder()
        .withName(CONTAINER)
        .withImage(image)
        .withCommand("java", "-XX:MaxRAMPercentage=75", "-cp", "@/app/jib-classpath-file",
            "dev.tether.supervisor.SupervisorMain")
        .withEnv(env)
        .withSecurityContext(securityContext)
        .withNewResources()
          .addToRequests("cpu", new io.fabric8.kubernetes.api.model.Quantity("50m"))
          .addToRequests("memory", new io.fabric8.kubernetes.api.model.Quantity("96Mi"))
          .addToLimits("memory", new io.fabric8.kubernetes.api.model.Quantity("256Mi"))
        .endResources()
        .build();
    List<Container> containers = new ArrayList<>(spec.getContainers());
    containers.add(supervisor);
    spec.setContainers(containers);
  }

  /** Restricted Pod Security: non-root, no privilege escalation, no capabilities, RuntimeDefault seccomp. */
  public static SecurityContext restricted() {
    return new SecurityContextBuilder()
        .withRunAsNonRoot(true)
        .withRunAsUser(65532L)
        .withAllowPrivilegeEscalation(false)
        .withReadOnlyRootFilesystem(true)
        .withNewCapabilities().withDrop("ALL").endCapabilities()
        .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
        .build();
  }
}
