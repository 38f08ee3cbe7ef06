package dev.tether.operator.hostile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tether.api.Tether;
import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.operator.OperatorTestBed;
import dev.tether.operator.status.Conditions;
import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.EnvFromSourceBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile AgentSession specs against the real apiserver and the running operator. Each case is a valid
 * session with one hostile change, and says which layer refuses it: the CRD schema (the create fails with
 * 422 and nothing is stored) or the operator's validation (Ready=False/InvalidSpec naming the problem, a
 * Warning Event, and no pod, volume claim, Service or PodDisruptionBudget). All sessions are created in one
 * namespace up front and awaited together; a valid control session in the same namespace shows that the
 * operator does create those objects there.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileSpecIT {
  enum Layer { SCHEMA, VALIDATOR }

  /** A hostile change to a valid session, the layer that must refuse it and a fragment of its message. */
  record Case(String name, Layer layer, String expected, Consumer<AgentSession> typed, Consumer<ObjectNode> raw) {
    @Override
    public String toString() {
      return name;
    }
  }

  private static final String TENANT_SECRET = "tether-etcd";
  private static final String LONG_NAME = "a".repeat(64);

  private final OperatorTestBed bed = OperatorTestBed.get();
  private final Map<String, String> sessionNames = new LinkedHashMap<>();
  private final Map<String, KubernetesClientException> refusedAtCreate = new LinkedHashMap<>();
  private String ns;

  static Stream<Case> cases() {
    List<Case> cases = new ArrayList<>();
    // The CRD schema: the apiserver refuses the create.
    cases.add(schema("retain 0", "spec.checkpoint.retain", raw("/spec/checkpoint", "retain", 0)));
    cases.add(schema("retain above 1000", "spec.checkpoint.retain", raw("/spec/checkpoint", "retain", 1001)));
    cases.add(schema("retain not a number", "spec.checkpoint.retain", raw("/spec/checkpoint", "retain", "five")));
    cases.add(schema("maxMigrations negative", "spec.failover.maxMigrations",
        raw("/spec/failover", "maxMigrations", -1)));
    cases.add(schema("maxMigrations huge", "spec.failover.maxMigrations",
        raw("/spec/failover", "maxMigrations", 2_000_000_000)));
    cases.add(schema("detectionTimeout a word", "spec.failover.detectionTimeout",
        raw("/spec/failover", "detectionTimeout", "fast")));
    cases.add(schema("detectionTimeout negative", "spec.failover.detectionTimeout",
        raw("/spec/failover", "detectionTimeout", "-5s")));
    cases.add(schema("detectionTimeout with an exponent", "spec.failover.detectionTimeout",
        raw("/spec/failover", "detectionTimeout", "1e9s")));
    cases.add(schema("detectionTimeout of five parts", "spec.failover.detectionTimeout",
        raw("/spec/failover", "detectionTimeout", "1h1m1s1ms1s")));
    cases.add(schema("detectionTimeout of ten digits", "spec.failover.detectionTimeout",
        raw("/spec/failover", "detectionTimeout", "9999999999h")));
    cases.add(schema("detectionTimeout overlong", "spec.failover.detectionTimeout",
        raw("/spec/failover", "detectionTimeout", "1s".repeat(5000))));
    cases.add(schema("initialBackoff with a space", "spec.failover.initialBackoff",
        raw("/spec/failover", "initialBackoff", "5 s")));
    cases.add(schema("migrationWindow in days", "spec.failover.migrationWindow",
        raw("/spec/failover", "migrationWindow", "1d")));
    cases.add(schema("fencing unknown", "spec.failover.fencing", raw("/spec/failover", "fencing", "Teleport")));
    cases.add(schema("restorePolicy unknown", "spec.checkpoint.restorePolicy",
        raw("/spec/checkpoint", "restorePolicy", "AnyOldOne")));
    cases.add(schema("accessMode unknown", "spec.checkpoint.accessMode",
        raw("/spec/checkpoint", "accessMode", "ReadWriteSometimes")));
    cases.add(schema("reclaimPolicy unknown", "spec.checkpoint.reclaimPolicy",
        raw("/spec/checkpoint", "reclaimPolicy", "Shred")));
    cases.add(schema("afterFinished unknown", "spec.lifecycle.afterFinished",
        raw("/spec/lifecycle", "afterFinished", "Explode")));
    cases.add(schema("idleTimeout garbage", "spec.lifecycle.idleTimeout",
        raw("/spec/lifecycle", "idleTimeout", "whenever")));
    cases.add(schema("ttlAfterFinished garbage", "spec.lifecycle.ttlAfterFinished",
        raw("/spec/lifecycle", "ttlAfterFinished", "10 minutes")));
    cases.add(schema("mountPath relative", "spec.checkpoint.mountPath",
        raw("/spec/checkpoint", "mountPath", "data")));
    cases.add(schema("template missing", "spec.template", json -> ((ObjectNode) json.get("spec")).remove("template")));
    cases.add(schema("suspend not a boolean", "spec.suspend", raw("/spec", "suspend", "yes")));
    cases.add(schema("rollback toSequence 0", "spec.rollback.toSequence", rollback(0, null)));
    cases.add(schema("rollback toSequence negative", "spec.rollback.toSequence", rollback(-3, null)));
    cases.add(schema("rollback without toSequence", "spec.rollback.toSequence",
        json -> ((ObjectNode) json.get("spec")).putObject("rollback").put("requestId", "r1")));
    cases.add(schema("rollback requestId with spaces", "spec.rollback.requestId", rollback(1, "two words")));
    cases.add(schema("rollback requestId too long", "spec.rollback.requestId", rollback(1, "r".repeat(64))));
    cases.add(schema("rollback requestId with a line break", "spec.rollback.requestId", rollback(1, "a\nb")));
    cases.add(schema("name longer than 253", "metadata.name",
        json -> ((ObjectNode) json.get("metadata")).put("name", "n".repeat(254))));

    // The operator's validation: InvalidSpec, nothing created.
    cases.add(invalid("hostNetwork", "spec.template.spec.hostNetwork is not allowed", s -> pod(s).setHostNetwork(true)));
    cases.add(invalid("a ServiceAccount the admin does not allow",
        "spec.template.spec.serviceAccountName 'ci-deployer' is not one the admin allows",
        s -> pod(s).setServiceAccountName("ci-deployer")));
    cases.add(invalid("hostPID", "spec.template.spec.hostPID is not allowed", s -> pod(s).setHostPID(true)));
    cases.add(invalid("hostIPC", "spec.template.spec.hostIPC is not allowed", s -> pod(s).setHostIPC(true)));
    cases.add(invalid("hostPath volume", "hostPath volume 'root' is not allowed", s -> addVolume(s,
        new VolumeBuilder().withName("root").withNewHostPath().withPath("/").endHostPath().build())));
    cases.add(invalid("privileged container", "privileged container 'agent' is not allowed",
        s -> agent(s).setSecurityContext(new SecurityContextBuilder().withPrivileged(true).build())));
    cases.add(invalid("privileged init container", "privileged container 'setup' is not allowed",
        s -> pod(s).setInitContainers(List.of(new ContainerBuilder().withName("setup").withImage("busybox")
            .withNewSecurityContext().withPrivileged(true).endSecurityContext().build()))));
    cases.add(invalid("capability SYS_ADMIN", "capability SYS_ADMIN of container 'agent' is not allowed",
        s -> addCapability(s, "SYS_ADMIN")));
    cases.add(invalid("capability CAP_NET_ADMIN", "capability CAP_NET_ADMIN of container 'agent' is not allowed",
        s -> addCapability(s, "CAP_NET_ADMIN")));
    cases.add(invalid("capability ALL", "capability ALL of container 'agent' is not allowed",
        s -> addCapability(s, "ALL")));
    cases.add(invalid("hostPort", "hostPort 8765 of container 'agent' is not allowed",
        s -> agent(s).setPorts(List.of(new ContainerPortBuilder().withContainerPort(8080).withHostPort(8765).build()))));
    cases.add(invalid("env TETHER_EPOCH", "container 'agent' sets TETHER_EPOCH",
        s -> addEnv(s, new EnvVarBuilder().withName(Tether.ENV_EPOCH).withValue("99").build())));
    cases.add(invalid("env TETHER_CHECKPOINT_DIR in an init container", "container 'setup' sets TETHER_CHECKPOINT_DIR",
        s -> pod(s).setInitContainers(List.of(new ContainerBuilder().withName("setup").withImage("busybox")
            .addNewEnv().withName(Tether.ENV_CHECKPOINT_DIR).withValue("/etc").endEnv().build()))));
    cases.add(invalid("tenant Secret as a volume", "must not mount the Secret " + TENANT_SECRET, s -> addVolume(s,
        new VolumeBuilder().withName("creds").withNewSecret().withSecretName(TENANT_SECRET).endSecret().build())));
    cases.add(invalid("tenant Secret in a projected volume", "must not mount the Secret " + TENANT_SECRET,
        s -> addVolume(s, new VolumeBuilder().withName("creds").withNewProjected().addNewSource().withNewSecret()
            .withName(TENANT_SECRET).endSecret().endSource().endProjected().build())));
    cases.add(invalid("tenant Secret by secretKeyRef", "container 'agent' reads the Secret " + TENANT_SECRET,
        s -> addEnv(s, new EnvVarBuilder().withName("PW").withNewValueFrom()
            .withNewSecretKeyRef("password", TENANT_SECRET, false).endValueFrom().build())));
    cases.add(invalid("tenant Secret by envFrom", "container 'agent' reads the Secret " + TENANT_SECRET,
        s -> agent(s).setEnvFrom(List.of(new EnvFromSourceBuilder().withNewSecretRef().withName(TENANT_SECRET)
            .endSecretRef().build()))));
    cases.add(invalid("volume named tether-checkpoints", "must not define a volume named 'tether-checkpoints'",
        s -> addVolume(s, emptyDir("tether-checkpoints"))));
    cases.add(invalid("volume named tether-supervisor-tmp", "must not define a volume named 'tether-supervisor-tmp'",
        s -> addVolume(s, emptyDir("tether-supervisor-tmp"))));
    cases.add(invalid("volume named tether-etcd-credentials",
        "must not define a volume named 'tether-etcd-credentials'", s -> addVolume(s,
            emptyDir("tether-etcd-credentials"))));
    cases.add(invalid("mount of tether-etcd-credentials", "container 'agent' mounts tether-etcd-credentials",
        s -> addMount(s, "tether-etcd-credentials", "/creds")));
    cases.add(invalid("container named tether-supervisor",
        "must not define a container named 'tether-supervisor'", s -> pod(s).getContainers().add(
            new ContainerBuilder().withName("tether-supervisor").withImage("example.org/evil:1").build())));
    cases.add(invalid("mountPath /", "spec.checkpoint.mountPath must not be /",
        s -> s.getSpec().getCheckpoint().setMountPath("/")));
    cases.add(invalid("mountPath with dot-dot", "must not contain '.' or '..' segments",
        s -> s.getSpec().getCheckpoint().setMountPath("/var/lib/../../etc")));
    cases.add(invalid("mountPath over the supervisor's classpath", "spec.checkpoint.mountPath /app would hide /app",
        s -> s.getSpec().getCheckpoint().setMountPath("/app")));
    cases.add(invalid("mountPath over the JVM", "spec.checkpoint.mountPath /opt/java/openjdk would hide /opt",
        s -> s.getSpec().getCheckpoint().setMountPath("/opt/java/openjdk")));
    cases.add(invalid("mountPath over the ServiceAccount token", "spec.checkpoint.mountPath /var/run would hide "
        + "/var/run/secrets", s -> s.getSpec().getCheckpoint().setMountPath("/var/run")));
    cases.add(invalid("mountPath over /etc", "spec.checkpoint.mountPath /etc would hide /etc",
        s -> s.getSpec().getCheckpoint().setMountPath("/etc/")));
    cases.add(invalid("mountPath on another mount", "clashes with volumeMount 'scratch'", s -> {
      addVolume(s, emptyDir("scratch"));
      addMount(s, "scratch", "/var/lib/tether/checkpoints/");
    }));
    cases.add(invalid("a mount inside the mountPath", "clashes with volumeMount 'scratch'", s -> {
      addVolume(s, emptyDir("scratch"));
      addMount(s, "scratch", "/var/lib/tether/checkpoints/inner");
    }));
    cases.add(invalid("detectionTimeout 1ms", "spec.failover.detectionTimeout 1ms is outside what this cluster allows",
        s -> s.getSpec().getFailover().setDetectionTimeout("1ms")));
    cases.add(invalid("detectionTimeout 999999h",
        "spec.failover.detectionTimeout 999999h is outside what this cluster allows",
        s -> s.getSpec().getFailover().setDetectionTimeout("999999h")));
    cases.add(invalid("volumeDetachTimeout of the most digits",
        "spec.failover.volumeDetachTimeout 999999999h999999999h is outside",
        s -> s.getSpec().getFailover().setVolumeDetachTimeout("999999999h999999999h")));
    cases.add(invalid("drainCheckpointTimeout 11m", "spec.failover.drainCheckpointTimeout 11m is outside",
        s -> s.getSpec().getFailover().setDrainCheckpointTimeout("11m")));
    cases.add(invalid("migrationWindow 200h", "spec.failover.migrationWindow 200h is outside",
        s -> s.getSpec().getFailover().setMigrationWindow("200h")));
    cases.add(invalid("maxBackoff below initialBackoff", "maxBackoff must not be shorter than", s -> {
      s.getSpec().getFailover().setInitialBackoff("10s");
      s.getSpec().getFailover().setMaxBackoff("1s");
    }));
    cases.add(invalid("size garbage", "spec.checkpoint.size 'lots' is not a quantity",
        s -> s.getSpec().getCheckpoint().setSize(new Quantity("lots"))));
    cases.add(invalid("size negative", "spec.checkpoint.size -1Gi must be positive",
        s -> s.getSpec().getCheckpoint().setSize(new Quantity("-1Gi"))));
    cases.add(invalid("size zero", "spec.checkpoint.size 0 must be positive",
        s -> s.getSpec().getCheckpoint().setSize(new Quantity("0"))));
    cases.add(invalid("storageClassName unknown", "spec.checkpoint.storageClassName 'no-such-class' does not exist",
        s -> s.getSpec().getCheckpoint().setStorageClassName("no-such-class")));
    cases.add(invalid("nodeName pinned", "spec.template.spec.nodeName pins the session",
        s -> pod(s).setNodeName("some-node")));
    cases.add(invalid("restartPolicy Always", "restartPolicy Always would restart",
        s -> pod(s).setRestartPolicy("Always")));
    cases.add(invalid("containers empty", "containers must list at least one container",
        s -> pod(s).setContainers(new ArrayList<>())));
    cases.add(invalid("name too long for the Service", "metadata.name '" + LONG_NAME + "' must be at most 63",
        s -> s.getMetadata().setName(LONG_NAME)));
    cases.add(invalid("name with a dot", "metadata.name 'agent.v2' must be at most 63",
        s -> s.getMetadata().setName("agent.v2")));
    return cases.stream();
  }

  @BeforeAll
  void createAll() {
    ns = bed.newNamespace();
    String pool = bed.newPool();
    bed.addNode(pool, "a");
    bed.create(bed.session(ns, "control", pool));
    int i = 0;
    for (Case c : cases().toList()) {
      AgentSession session = bed.session(ns, String.format("h%02d", ++i), pool);
      if (c.typed() != null) {
        c.typed().accept(session);
      }
      ObjectNode json = bed.client().getKubernetesSerialization().convertValue(session, ObjectNode.class);
      if (c.raw() != null) {
        c.raw().accept(json);
      }
      sessionNames.put(c.name(), json.path("metadata").path("name").asText());
      GenericKubernetesResource resource = bed.client().getKubernetesSerialization()
          .convertValue(json, GenericKubernetesResource.class);
      try {
        bed.client().genericKubernetesResources(Tether.GROUP + "/" + Tether.VERSION, Tether.KIND).inNamespace(ns)
            .resource(resource).create();
      } catch (KubernetesClientException e) {
        refusedAtCreate.put(c.name(), e);
      }
    }
    // One wait for all of them: the control runs, and every session the apiserver took is reported.
    bed.awaitRunning(ns, "control", 1);
    await().atMost(OperatorTestBed.TIMEOUT).pollInterval(java.time.Duration.ofMillis(500)).until(() ->
        cases().filter(c -> !refusedAtCreate.containsKey(c.name()))
            .allMatch(c -> readyReason(sessionNames.get(c.name())).filter("InvalidSpec"::equals).isPresent()));
  }

  @Test
  void theSuiteIsAsLargeAsPromised() {
    assertThat(cases().count()).isGreaterThanOrEqualTo(40);
    assertThat(cases().map(Case::name).distinct().count()).isEqualTo(cases().count());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void isRefusedAndNothingIsCreated(Case c) {
    String name = sessionNames.get(c.name());
    if (c.layer() == Layer.SCHEMA) {
      KubernetesClientException refused = refusedAtCreate.get(c.name());
      assertThat(refused).as("the apiserver refused the create").isNotNull();
      assertThat(refused.getCode()).as(refused.getMessage()).isEqualTo(422);
      assertThat(refused.getMessage()).contains(c.expected());
      if (name.length() <= 253) {
        assertThat(bed.get(ns, name)).as("nothing stored").isNull();
      }
      return;
    }
    assertThat(refusedAtCreate.get(c.name())).as("the apiserver took it").isNull();
    AgentSession session = bed.get(ns, name);
    Condition ready = Conditions.find(session.getStatus().getConditions(), Conditions.READY).orElseThrow();
    assertThat(ready.getStatus()).isEqualTo("False");
    assertThat(ready.getReason()).isEqualTo("InvalidSpec");
    assertThat(ready.getMessage()).contains(c.expected());
    assertThat(session.getStatus().getPodName()).isNull();
    await().atMost(OperatorTestBed.TIMEOUT).until(() -> bed.client().v1().events().inNamespace(ns).list().getItems()
        .stream().anyMatch(e -> "InvalidSpec".equals(e.getReason()) && "Warning".equals(e.getType())
            && name.equals(e.getInvolvedObject().getName()) && e.getMessage().contains(c.expected())));
    assertNothingFor(name);
  }

  /** The control shows the listing would see them; the hostile session has none of them. */
  private void assertNothingFor(String name) {
    var client = bed.client();
    String label = Tether.LABEL_SESSION;
    assertThat(bed.pods(ns, "control")).isNotEmpty();
    assertThat(client.persistentVolumeClaims().inNamespace(ns).withLabel(label, "control").list().getItems())
        .isNotEmpty();
    List<HasMetadata> created = new ArrayList<>();
    created.addAll(client.pods().inNamespace(ns).list().getItems());
    created.addAll(client.persistentVolumeClaims().inNamespace(ns).list().getItems());
    created.addAll(client.services().inNamespace(ns).list().getItems());
    created.addAll(client.policy().v1beta1().podDisruptionBudget().inNamespace(ns).list().getItems());
    assertThat(created).filteredOn(o -> name.equals(Optional.ofNullable(o.getMetadata().getLabels())
            .map(l -> l.get(label)).orElse(null)) || o.getMetadata().getName().startsWith(name + "-")
            || o.getMetadata().getName().equals(name))
        .as("pods, claims, Services and budgets of " + name).isEmpty();
  }

  private Optional<String> readyReason(String name) {
    AgentSession s = bed.get(ns, name);
    return s == null || s.getStatus() == null ? Optional.empty()
        : Conditions.find(s.getStatus().getConditions(), Conditions.READY).map(Condition::getReason);
  }

  private static Case schema(String name, String expected, Consumer<ObjectNode> raw) {
    return new Case(name, Layer.SCHEMA, expected, null, raw);
  }

  private static Case invalid(String name, String expected, Consumer<AgentSession> typed) {
    return new Case(name, Layer.VALIDATOR, expected, typed, null);
  }

  /** Sets one field of the JSON object at {@code pointer}, creating the object if needed. */
  private static Consumer<ObjectNode> raw(String pointer, String field, Object value) {
    return json -> {
      JsonNode parent = json;
      for (String step : pointer.substring(1).split("/")) {
        parent = parent.has(step) ? parent.get(step) : ((ObjectNode) parent).putObject(step);
      }
      ObjectNode target = (ObjectNode) parent;
      if (value instanceof Integer n) {
        target.put(field, n);
      } else {
        target.put(field, (String) value);
      }
    };
  }

  private static Consumer<ObjectNode> rollback(long toSequence, String requestId) {
    return json -> {
      ObjectNode rollback = ((ObjectNode) json.get("spec")).putObject("rollback").put("toSequence", toSequence);
      if (requestId != null) {
        rollback.put("requestId", requestId);
      }
    };
  }

  private static PodSpec pod(AgentSession s) {
    PodSpec pod = s.getSpec().getTemplate().getSpec();
    pod.setContainers(new ArrayList<>(pod.getContainers()));
    return pod;
  }

  private static Container agent(AgentSession s) {
    return pod(s).getContainers().get(0);
  }

  private static void addVolume(AgentSession s, Volume volume) {
    List<Volume> volumes = new ArrayList<>(Optional.ofNullable(pod(s).getVolumes()).orElse(List.of()));
    volumes.add(volume);
    pod(s).setVolumes(volumes);
  }

  private static Volume emptyDir(String name) {
    return new VolumeBuilder().withName(name).withNewEmptyDir().endEmptyDir().build();
  }

  private static void addMount(AgentSession s, String volume, String path) {
    List<VolumeMount> mounts = new ArrayList<>(Optional.ofNullable(agent(s).getVolumeMounts()).orElse(List.of()));
    mounts.add(new VolumeMountBuilder().withName(volume).withMountPath(path).build());
    agent(s).setVolumeMounts(mounts);
  }

  private static void addEnv(AgentSession s, EnvVar env) {
    List<EnvVar> vars = new ArrayList<>(Optional.ofNullable(agent(s).getEnv()).orElse(List.of()));
    vars.add(env);
    agent(s).setEnv(vars);
  }

  private static void addCapability(AgentSession s, String capability) {
    agent(s).setSecurityContext(new SecurityContextBuilder().withCapabilities(new Capabilities(List.of(capability),
        List.of())).build());
  }
}
