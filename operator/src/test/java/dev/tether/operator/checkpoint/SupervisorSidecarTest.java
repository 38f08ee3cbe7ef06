package dev.tether.operator.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.api.Tether;
import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.AgentSessionSpec;
import dev.tether.operator.pod.IncarnationCause;
import dev.tether.operator.pod.SessionPodFactory;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The supervisor as the pod factory injects it: what a real kubelet needs to run, probe and stop it. */
class SupervisorSidecarTest {
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private static AgentSession session() {
    AgentSession session = new AgentSession();
    session.getMetadata().setName("s1");
    session.getMetadata().setNamespace("team-a");
    session.getMetadata().setUid("uid-1");
    AgentSessionSpec spec = new AgentSessionSpec();
    spec.setTemplate(new PodTemplateSpecBuilder().withNewSpec()
        .addToContainers(new ContainerBuilder().withName("agent").withImage("agent:1").build())
        .endSpec().build());
    session.setSpec(spec);
    return session;
  }

  private static Pod pod(AgentSession session, boolean nativeSidecar) {
    var store = CheckpointStoreSettings.of("http://10.0.0.100:2379");
    var sidecar = new SupervisorSidecar("tether:1", store.supervisorEnv(), null, nativeSidecar);
    return new SessionPodFactory(SERIALIZATION, List.of(sidecar))
        .build(session, 4, IncarnationCause.firstStart(), Set.of());
  }

  /** Containers and init containers: the supervisor is one or the other. */
  private static List<Container> allContainers(Pod pod) {
    List<Container> all = new java.util.ArrayList<>(pod.getSpec().getContainers());
    if (pod.getSpec().getInitContainers() != null) {
      all.addAll(pod.getSpec().getInitContainers());
    }
    return all;
  }

  private static Container container(Pod pod, String name) {
    return allContainers(pod).stream().filter(c -> c.getName().equals(name)).findFirst().orElseThrow();
  }

  private static Map<String, String> env(Container c) {
    return c.getEnv().stream().filter(e -> e.getValue() != null)
        .collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
  }

  @Test
  void anOrdinaryContainerThatTheKubeletProbesAndThatHasAWritableTmp() {
    Pod pod = pod(session(), false);
    Container supervisor = pod.getSpec().getContainers().get(1);
    assertThat(supervisor.getName()).isEqualTo(Tether.SUPERVISOR_CONTAINER);
    assertThat(pod.getSpec().getInitContainers()).isNullOrEmpty();
    assertThat(supervisor.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
    assertThat(supervisor.getReadinessProbe().getHttpGet().getPort().getIntVal()).isEqualTo(SupervisorSidecar.PROBE_PORT);
    assertThat(supervisor.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(supervisor.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(supervisor.getVolumeMounts()).extracting(m -> m.getName() + ":" + m.getMountPath())
        .contains(SupervisorSidecar.TMP_VOLUME + ":/tmp", Tether.CHECKPOINT_VOLUME + ":" + SupervisorSidecar.CHECKPOINT_DIR);
    assertThat(pod.getSpec().getVolumes()).anySatisfy(v -> {
      assertThat(v.getName()).isEqualTo(SupervisorSidecar.TMP_VOLUME);
      assertThat(v.getEmptyDir()).isNotNull();
    });
    assertThat(supervisor.getCommand()).contains("-Djava.io.tmpdir=/tmp");
    assertThat(env(supervisor))
        .containsEntry("TETHER_SUPERVISOR_PROBE_PORT", "8766")
        .containsEntry("TETHER_SUPERVISOR_NATIVE_SIDECAR", "false")
        .containsEntry("TETHER_SHUTDOWN_TIMEOUT_SECONDS", "28")
        .containsEntry("TETHER_EPOCH", "4");
  }

  /**
   * A template's mountPath moves the volume in the agent's containers only: it cannot hide the supervisor's
   * files (/app holds its classpath; the validator refuses such paths too, the pod layout does not rely on it).
   */
  @Test
  void theSupervisorFindsTheVolumeAtItsFixedPathWhateverTheSessionsMountPath() {
    for (String mountPath : List.of("/workspace/state", "/app")) {
      for (boolean nativeSidecar : List.of(false, true)) {
        AgentSession session = session();
        session.getSpec().getCheckpoint().setMountPath(mountPath);
        Pod pod = pod(session, nativeSidecar);
        Container supervisor = container(pod, Tether.SUPERVISOR_CONTAINER);
        Container agent = container(pod, "agent");
        assertThat(supervisor.getVolumeMounts()).filteredOn(m -> Tether.CHECKPOINT_VOLUME.equals(m.getName()))
            .singleElement().satisfies(m -> assertThat(m.getMountPath()).isEqualTo(SupervisorSidecar.CHECKPOINT_DIR));
        assertThat(supervisor.getVolumeMounts()).noneMatch(m -> m.getMountPath().equals(mountPath));
        assertThat(supervisor.getEnv()).filteredOn(e -> Tether.ENV_CHECKPOINT_DIR.equals(e.getName()))
            .as("one value, no duplicate from the identity").singleElement()
            .satisfies(e -> assertThat(e.getValue()).isEqualTo(SupervisorSidecar.CHECKPOINT_DIR));
        assertThat(agent.getVolumeMounts()).filteredOn(m -> Tether.CHECKPOINT_VOLUME.equals(m.getName()))
            .singleElement().satisfies(m -> assertThat(m.getMountPath()).isEqualTo(mountPath));
        assertThat(env(agent)).containsEntry(Tether.ENV_CHECKPOINT_DIR, mountPath);
        assertThat(env(supervisor)).as("the rest of the identity").containsEntry("TETHER_EPOCH", "4")
            .containsEntry("TETHER_SESSION_NAME", "s1");
      }
    }
  }

  @Test
  void aFreshBlockVolumeIsWritableForTheNonRootSupervisor() {
    Pod pod = pod(session(), false);
    assertThat(pod.getSpec().getSecurityContext().getFsGroup()).isEqualTo(SupervisorSidecar.USER);
    assertThat(pod.getSpec().getSecurityContext().getFsGroupChangePolicy()).isEqualTo("OnRootMismatch");

    AgentSession own = session();
    own.getSpec().getTemplate().getSpec().setSecurityContext(new PodSecurityContextBuilder()
        .withFsGroup(2000L).withRunAsUser(1000L).build());
    Pod kept = pod(own, false);
    assertThat(kept.getSpec().getSecurityContext().getFsGroup()).as("the template's own fsGroup is kept")
        .isEqualTo(2000L);
    assertThat(kept.getSpec().getSecurityContext().getRunAsUser()).isEqualTo(1000L);
  }

  @Test
  void theSupervisorRunsAsItsOwnNonRootGroupAndItsJvmFitsItsMemoryLimit() {
    Container supervisor = pod(session(), false).getSpec().getContainers().get(1);
    assertThat(supervisor.getSecurityContext().getRunAsUser()).isEqualTo(SupervisorSidecar.USER);
    assertThat(supervisor.getSecurityContext().getRunAsGroup()).as("not the image's gid 0")
        .isEqualTo(SupervisorSidecar.USER);
    long limit = io.fabric8.kubernetes.api.model.Quantity.getAmountInBytes(
        supervisor.getResources().getLimits().get("memory")).longValueExact();
    String heapPercent = supervisor.getCommand().stream().filter(a -> a.startsWith("-XX:MaxRAMPercentage="))
        .findFirst().orElseThrow().substring("-XX:MaxRAMPercentage=".length());
    String direct = supervisor.getCommand().stream().filter(a -> a.startsWith("-XX:MaxDirectMemorySize="))
        .findFirst().orElseThrow().substring("-XX:MaxDirectMemorySize=".length());
    long heap = limit * Long.parseLong(heapPercent) / 100;
    long directBytes = Long.parseLong(direct.replace("m", "")) * 1024 * 1024;
    long nonHeap = 80L * 1024 * 1024; // metaspace, code cache, thread stacks, GC structures
    assertThat(heap + directBytes + nonHeap).as("heap + direct + the rest below the limit").isLessThan(limit);
  }

  @Test
  void theShutdownTimeoutStaysInsideTheTemplatesGracePeriod() {
    AgentSession session = session();
    session.getSpec().getTemplate().getSpec().setTerminationGracePeriodSeconds(90L);
    assertThat(env(pod(session, false).getSpec().getContainers().get(1)))
        .containsEntry("TETHER_SHUTDOWN_TIMEOUT_SECONDS", "88");
    session.getSpec().getTemplate().getSpec().setTerminationGracePeriodSeconds(1L);
    assertThat(env(pod(session, false).getSpec().getContainers().get(1)))
        .containsEntry("TETHER_SHUTDOWN_TIMEOUT_SECONDS", "0");
  }

  @Test
  void aNativeSidecarIsTheFirstInitContainerWithRestartPolicyAlways() {
    AgentSession session = session();
    session.getSpec().getTemplate().getSpec().setInitContainers(List.of(
        new ContainerBuilder().withName("prepare").withImage("agent:1").build()));
    Pod pod = pod(session, true);
    assertThat(pod.getSpec().getContainers()).extracting(Container::getName).containsExactly("agent");
    assertThat(pod.getSpec().getInitContainers()).extracting(Container::getName)
        .containsExactly(Tether.SUPERVISOR_CONTAINER, "prepare");
    Container supervisor = pod.getSpec().getInitContainers().get(0);
    assertThat(supervisor.getRestartPolicy()).isEqualTo("Always");
    assertThat(env(supervisor)).containsEntry("TETHER_SUPERVISOR_NATIVE_SIDECAR", "true");
    assertThat(supervisor.getVolumeMounts()).extracting(m -> m.getName())
        .contains(Tether.CHECKPOINT_VOLUME, SupervisorSidecar.TMP_VOLUME);
  }

  @Test
  void credentialsAreRequiredOnlyWhereTheStoreAuthenticatesAndTheCaTravelsAsPem(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    var open = CheckpointStoreSettings.of("http://etcd:2379").supervisorEnv();
    assertThat(open).filteredOn(e -> e.getName().equals("TETHER_ETCD_USERNAME"))
        .singleElement().satisfies(e -> assertThat(e.getValueFrom().getSecretKeyRef().getOptional()).isTrue());
    assertThat(open).noneMatch(e -> e.getName().equals("TETHER_ETCD_CA_PEM"));

    java.nio.file.Path ca = dir.resolve("ca.crt");
    java.nio.file.Files.writeString(ca, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    var secured = CheckpointStoreSettings.fromEnv(Map.of("TETHER_ETCD_ENDPOINTS", "https://etcd:2379",
        "TETHER_ETCD_USERNAME", "tether-operator", "TETHER_ETCD_PASSWORD", "secret",
        "TETHER_ETCD_CA_FILE", ca.toString())).orElseThrow().supervisorEnv();
    assertThat(secured).filteredOn(e -> e.getName().equals("TETHER_ETCD_USERNAME"))
        .singleElement().satisfies(e -> {
          assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo(CheckpointStoreSettings.TENANT_SECRET);
          assertThat(e.getValueFrom().getSecretKeyRef().getOptional()).as("a missing Secret stops the container")
              .isFalse();
        });
    assertThat(secured).as("the password is a file, never an env var")
        .noneMatch(e -> e.getName().equals("TETHER_ETCD_PASSWORD"))
        .anySatisfy(e -> {
          assertThat(e.getName()).isEqualTo("TETHER_ETCD_PASSWORD_FILE");
          assertThat(e.getValue()).isEqualTo(CheckpointStoreSettings.CREDENTIALS_DIR + "/password");
        });
    assertThat(secured).filteredOn(e -> e.getName().equals("TETHER_ETCD_CA_PEM")).singleElement()
        .satisfies(e -> assertThat(e.getValue()).startsWith("-----BEGIN CERTIFICATE-----"));
    assertThat(secured).noneMatch(e -> "secret".equals(e.getValue()));
  }

  @Test
  void theCredentialsAreMountedIntoTheSupervisorOnlyNeverIntoTheAgent() {
    for (boolean nativeSidecar : List.of(false, true)) {
      Pod pod = pod(session(), nativeSidecar);
      assertThat(pod.getSpec().getVolumes()).filteredOn(v -> SupervisorSidecar.CREDENTIALS_VOLUME.equals(v.getName()))
          .singleElement().satisfies(v -> {
            assertThat(v.getSecret().getSecretName()).isEqualTo(CheckpointStoreSettings.TENANT_SECRET);
            assertThat(v.getSecret().getDefaultMode()).isEqualTo(0440);
          });
      List<Container> all = allContainers(pod);
      assertThat(all).filteredOn(c -> c.getVolumeMounts().stream()
              .anyMatch(m -> SupervisorSidecar.CREDENTIALS_VOLUME.equals(m.getName())))
          .singleElement().satisfies(c -> {
            assertThat(c.getName()).isEqualTo(Tether.SUPERVISOR_CONTAINER);
            assertThat(c.getVolumeMounts()).filteredOn(m -> SupervisorSidecar.CREDENTIALS_VOLUME.equals(m.getName()))
                .singleElement().satisfies(m -> {
                  assertThat(m.getMountPath()).isEqualTo(CheckpointStoreSettings.CREDENTIALS_DIR);
                  assertThat(m.getReadOnly()).isTrue();
                });
          });
      Container agent = container(pod, "agent");
      assertThat(agent.getEnv()).noneMatch(e -> e.getName().startsWith("TETHER_ETCD_"));
    }
  }
}
