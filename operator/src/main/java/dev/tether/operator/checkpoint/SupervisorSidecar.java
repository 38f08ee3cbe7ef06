package dev.tether.operator.checkpoint;

import dev.tether.api.Tether;
import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.operator.pod.SessionPodFactory;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import java.util.ArrayList;
import java.util.List;

/**
 * Injects the session supervisor into every session pod: the operator's own image with the supervisor's
 * entry point. Its checkpoint API listens on localhost only, where the agent reaches it at
 * http://127.0.0.1:8765; the kubelet probes it, and scrapers read its metrics, on {@value #PROBE_PORT}. The pod is
 * Ready only once the supervisor has checked what to restore (and while it is not fenced). It gets the same
 * TETHER_* identity and checkpoint mount as the agent (added by the pod factory).
 *
 * <p>Where the cluster runs native sidecars (Kubernetes 1.29+), the supervisor is an init container with
 * {@code restartPolicy: Always}: the kubelet starts it first, stops it only after the agent has exited, and
 * the pod completes when the agent does. Elsewhere it is an ordinary container that the operator stops once
 * the agent has finished, and that keeps serving after SIGTERM until the agent's final checkpoint.
 */
public final class SupervisorSidecar implements SessionPodFactory.PodDecorator {
  public static final String CONTAINER = Tether.SUPERVISOR_CONTAINER;
  public static final int PORT = 8765;
  public static final int PROBE_PORT = 8766;
  /** The supervisor's non-root user; the default pod fsGroup, so that it may write a fresh volume. */
  public static final long USER = 65532L;
  public static final String TMP_VOLUME = "tether-supervisor-tmp";
  /**
   * Where the supervisor sees the checkpoint volume, whatever the template's mountPath: a mountPath of
   * {@code /app} or {@code /opt/java} would otherwise hide the supervisor's own classpath or JVM behind the
   * volume, which the agent can write.
   */
  public static final String CHECKPOINT_DIR = "/var/lib/tether-supervisor/checkpoints";
  /** The namespace's etcd credentials; mounted into the supervisor container only, never into the agent's. */
  public static final String CREDENTIALS_VOLUME = "tether-etcd-credentials";
  /** Read-only for the owner and the pod's fsGroup, which the supervisor's user is in. */
  private static final int CREDENTIALS_MODE = 0440;
  private static final long DEFAULT_GRACE_SECONDS = 30;
  /** Left of the pod's grace period after the supervisor's own deadline, to close and exit. */
  private static final long EXIT_MARGIN_SECONDS = 2;

  private final String image;
  private final List<EnvVar> storeEnv;
  private final SecurityContext securityContext;
  private final boolean nativeSidecar;

  public SupervisorSidecar(String image, List<EnvVar> storeEnv, SecurityContext securityContext,
      boolean nativeSidecar) {
    this.image = image;
    this.storeEnv = List.copyOf(storeEnv);
    this.securityContext = securityContext != null ? securityContext : restricted();
    this.nativeSidecar = nativeSidecar;
  }

  @Override
  public void decorate(AgentSession session, long epoch, PodSpec spec) {
    Container supervisor = new ContainerBuilder()
        .withName(CONTAINER)
        .withImage(image)
        // The root file system is read-only: the JVM's temporary files go to the container's own /tmp.
        .withCommand("java", "-XX:MaxRAMPercentage=75", "-Djava.io.tmpdir=/tmp", "-cp", "@/app/jib-classpath-file",
            "dev.tether.supervisor.SupervisorMain")
        .withEnv(env(session, spec))
        .withSecurityContext(securityContext)
        .addNewPort().withName("tether-metrics").withContainerPort(PROBE_PORT).withProtocol("TCP").endPort()
        .withReadinessProbe(probe("/readyz", 1, 2, 1))
        .withLivenessProbe(probe("/healthz", 3, 10, 6))
        .addToVolumeMounts(new VolumeMountBuilder().withName(TMP_VOLUME).withMountPath("/tmp").build())
        .addToVolumeMounts(new VolumeMountBuilder().withName(Tether.CHECKPOINT_VOLUME).withMountPath(CHECKPOINT_DIR)
            .build())
        .addToVolumeMounts(new VolumeMountBuilder().withName(CREDENTIALS_VOLUME)
            .withMountPath(CheckpointStoreSettings.CREDENTIALS_DIR).withReadOnly(true).build())
        .withNewResources()
          .addToRequests("cpu", new Quantity("50m"))
          .addToRequests("memory", new Quantity("96Mi"))
          .addToLimits("memory", new Quantity("256Mi"))
        .endResources()
        .build();
    if (nativeSidecar) {
      supervisor.setRestartPolicy("Always");
      List<Container> init = new ArrayList<>();
      init.add(supervisor); // first, so that the agent's own init containers may use it too
      if (spec.getInitContainers() != null) {
        init.addAll(spec.getInitContainers());
      }
      spec.setInitContainers(init);
    } else {
      List<Container> containers = new ArrayList<>(spec.getContainers());
      containers.add(supervisor);
      spec.setContainers(containers);
    }
    List<Volume> volumes = new ArrayList<>(spec.getVolumes() == null ? List.of() : spec.getVolumes());
    volumes.add(new VolumeBuilder().withName(TMP_VOLUME)
        .withNewEmptyDir().withSizeLimit(new Quantity("64Mi")).endEmptyDir().build());
    // Optional: a missing Secret shows through the supervisor's required env reference (see
    // CheckpointStoreSettings#supervisorEnv), which the kubelet reports as CreateContainerConfigError; a
    // required volume would only leave the pod waiting in ContainerCreating with mount events.
    volumes.add(new VolumeBuilder().withName(CREDENTIALS_VOLUME)
        .withNewSecret().withSecretName(CheckpointStoreSettings.TENANT_SECRET).withOptional(true)
          .withDefaultMode(CREDENTIALS_MODE).endSecret()
        .build());
    spec.setVolumes(volumes);
    writableVolume(spec);
  }

  private List<EnvVar> env(AgentSession session, PodSpec spec) {
    long grace = spec.getTerminationGracePeriodSeconds() == null ? DEFAULT_GRACE_SECONDS
        : spec.getTerminationGracePeriodSeconds();
    List<EnvVar> env = new ArrayList<>(storeEnv);
    env.add(env(Tether.ENV_CHECKPOINT_DIR, CHECKPOINT_DIR));
    env.add(env("TETHER_RESTORE_POLICY", session.getSpec().getCheckpoint().getRestorePolicy().name()));
    env.add(env("TETHER_RETAIN", Integer.toString(session.getSpec().getCheckpoint().getRetain())));
    env.add(env("TETHER_SUPERVISOR_PORT", Integer.toString(PORT)));
    env.add(env("TETHER_SUPERVISOR_PROBE_PORT", Integer.toString(PROBE_PORT)));
    env.add(env("TETHER_SHUTDOWN_TIMEOUT_SECONDS", Long.toString(Math.max(0, grace - EXIT_MARGIN_SECONDS))));
    env.add(env("TETHER_SUPERVISOR_NATIVE_SIDECAR", Boolean.toString(nativeSidecar)));
    return env;
  }

  /**
   * A fresh block volume's root belongs to root with mode 0755: without an fsGroup a non-root supervisor
   * cannot create its checkpoint directory there. The kubelet gives the volume to the fsGroup, and every
   * container of the pod gets that group, so any fsGroup the template chose works too.
   */
  private static void writableVolume(PodSpec spec) {
    PodSecurityContext pod = spec.getSecurityContext() == null ? new PodSecurityContext() : spec.getSecurityContext();
    if (pod.getFsGroup() == null) {
      pod.setFsGroup(USER);
      if (pod.getFsGroupChangePolicy() == null) {
        // Only the first mount walks the volume; later incarnations find it owned already.
        pod.setFsGroupChangePolicy("OnRootMismatch");
      }
    }
    spec.setSecurityContext(pod);
  }

  private static Probe probe(String path, int timeoutSeconds, int periodSeconds, int failureThreshold) {
    return new ProbeBuilder()
        .withNewHttpGet().withPath(path).withPort(new IntOrString(PROBE_PORT)).endHttpGet()
        .withTimeoutSeconds(timeoutSeconds)
        .withPeriodSeconds(periodSeconds)
        .withFailureThreshold(failureThreshold)
        .withSuccessThreshold(1)
        .build();
  }

  private static EnvVar env(String name, String value) {
    return new EnvVarBuilder().withName(name).withValue(value).build();
  }

  /** Restricted Pod Security: non-root, no privilege escalation, no capabilities, RuntimeDefault seccomp. */
  public static SecurityContext restricted() {
    return new SecurityContextBuilder()
        .withRunAsNonRoot(true)
        .withRunAsUser(USER)
        .withAllowPrivilegeEscalation(false)
        .withReadOnlyRootFilesystem(true)
        .withNewCapabilities().withDrop("ALL").endCapabilities()
        .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
        .build();
  }
}
