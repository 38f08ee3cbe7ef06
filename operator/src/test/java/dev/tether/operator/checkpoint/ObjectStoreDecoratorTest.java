package dev.tether.operator.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tether.api.Tether;
import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.AgentSessionSpec;
import dev.tether.api.v1alpha1.ObjectStoreSpec;
import dev.tether.operator.pod.IncarnationCause;
import dev.tether.operator.pod.SessionPodFactory;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which containers learn about the object store, and what the pod tells about it. */
class ObjectStoreDecoratorTest {
  private static final String UID = "0b7f5e2a-1111-4222-8333-444455556666";

  private static AgentSession session(ObjectStoreSpec own) {
    AgentSession session = new AgentSession();
    session.getMetadata().setName("chat");
    session.getMetadata().setNamespace("team-a");
    session.getMetadata().setUid(UID);
    AgentSessionSpec spec = new AgentSessionSpec();
    spec.setTemplate(new PodTemplateSpecBuilder().withNewSpec()
        .addToContainers(new ContainerBuilder().withName("agent").withImage("agent:1").build())
        .endSpec().build());
    spec.getCheckpoint().setObjectStore(own);
    session.setSpec(spec);
    return session;
  }

  static ObjectStoreSpec store(String bucket) {
    ObjectStoreSpec spec = new ObjectStoreSpec();
    spec.setEndpoint("http://s3.tether:8080");
    spec.setBucket(bucket);
    spec.setPrefix("tether");
    spec.setCredentialsSecret("s3-creds");
    return spec;
  }

  private static Pod pod(AgentSession session, ObjectStoreSpec adminDefault) {
    var sidecar = new SupervisorSidecar("tether:1", CheckpointStoreSettings.of("http://etcd:2379").supervisorEnv(),
        null, false);
    return new SessionPodFactory(new KubernetesSerialization(),
        List.of(sidecar, new ObjectStoreDecorator(new ObjectStores(adminDefault))))
        .build(session, 3, IncarnationCause.firstStart(), Set.of());
  }

  private static Container container(Pod pod, String name) {
    return pod.getSpec().getContainers().stream().filter(c -> c.getName().equals(name)).findFirst().orElseThrow();
  }

  @Test
  void onlyTheSupervisorGetsTheStoreAndItsCredentialsByReference() {
    Pod pod = pod(session(store("checkpoints")), null);
    Container supervisor = container(pod, Tether.SUPERVISOR_CONTAINER);
    Map<String, EnvVar> env = supervisor.getEnv().stream()
        .collect(java.util.stream.Collectors.toMap(EnvVar::getName, e -> e));
    assertThat(env.get("TETHER_OBJECT_STORE_ENDPOINT").getValue()).isEqualTo("http://s3.tether:8080");
    assertThat(env.get("TETHER_OBJECT_STORE_BUCKET").getValue()).isEqualTo("checkpoints");
    assertThat(env.get("TETHER_OBJECT_STORE_PREFIX").getValue()).isEqualTo("tether/team-a/chat/" + UID + "/");
    assertThat(env.get("TETHER_OBJECT_STORE_ACCESS_KEY_ID").getValue()).isNull();
    assertThat(env.get("TETHER_OBJECT_STORE_ACCESS_KEY_ID").getValueFrom().getSecretKeyRef().getName())
        .isEqualTo("s3-creds");
    assertThat(env.get("TETHER_OBJECT_STORE_SECRET_ACCESS_KEY").getValueFrom().getSecretKeyRef().getKey())
        .isEqualTo(ObjectStoreTarget.SECRET_ACCESS_KEY);
    assertThat(container(pod, "agent").getEnv()).extracting(EnvVar::getName)
        .noneMatch(name -> name.startsWith("TETHER_OBJECT_STORE"));
  }

  @Test
  void asynchronousUploadsTellTheSupervisorTheirLagAndNeedTwoCheckpointsKept() {
    ObjectStoreSpec async = store("checkpoints");
    async.setMode(ObjectStoreSpec.Mode.Asynchronous);
    async.setMaxLag("1m30s");
    AgentSession session = session(async);
    Map<String, EnvVar> env = container(pod(session, null), Tether.SUPERVISOR_CONTAINER).getEnv().stream()
        .collect(java.util.stream.Collectors.toMap(EnvVar::getName, e -> e));
    assertThat(env.get("TETHER_OBJECT_STORE_MODE").getValue()).isEqualTo("Asynchronous");
    assertThat(env.get("TETHER_OBJECT_STORE_MAX_LAG_SECONDS").getValue()).isEqualTo("90");

    AgentSession keepsOne = session(null);
    keepsOne.getSpec().getCheckpoint().setRetain(1);
    assertThat(ObjectStoreTarget.of(keepsOne, async).mode()).as("an asynchronous default, one checkpoint kept")
        .isEqualTo(ObjectStoreSpec.Mode.Synchronous);
    assertThat(ObjectStoreTarget.of(session(null), store("b")).mode()).isEqualTo(ObjectStoreSpec.Mode.Synchronous);
  }

  @Test
  void thePodCarriesTheNonSecretSettings() throws Exception {
    Pod pod = pod(session(store("checkpoints")), null);
    Map<String, String> annotation = new ObjectMapper().readValue(
        pod.getMetadata().getAnnotations().get(Tether.ANNOTATION_OBJECT_STORE), new TypeReference<>() {});
    assertThat(annotation).containsEntry("TETHER_OBJECT_STORE_BUCKET", "checkpoints")
        .containsEntry("credentialsSecret", "s3-creds")
        .doesNotContainKeys("TETHER_OBJECT_STORE_ACCESS_KEY_ID", "TETHER_OBJECT_STORE_SECRET_ACCESS_KEY");
  }

  @Test
  void theAdminDefaultAppliesOnlyWhereTheSessionNamesNoStore() {
    Pod defaulted = pod(session(null), store("admin-bucket"));
    assertThat(defaulted.getMetadata().getAnnotations().get(Tether.ANNOTATION_OBJECT_STORE)).contains("admin-bucket");
    Pod own = pod(session(store("own-bucket")), store("admin-bucket"));
    assertThat(own.getMetadata().getAnnotations().get(Tether.ANNOTATION_OBJECT_STORE)).contains("own-bucket")
        .doesNotContain("admin-bucket");
    Pod none = pod(session(null), null);
    assertThat(none.getMetadata().getAnnotations()).doesNotContainKey(Tether.ANNOTATION_OBJECT_STORE);
    assertThat(container(none, Tether.SUPERVISOR_CONTAINER).getEnv()).extracting(EnvVar::getName)
        .noneMatch(name -> name.startsWith("TETHER_OBJECT_STORE"));
  }
}
