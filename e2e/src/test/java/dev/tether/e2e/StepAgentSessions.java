package dev.tether.e2e;

import dev.tether.install.ChartOnRealCluster;
import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.AgentSessionStatus;
import dev.tether.examples.agent.AgentContext;
import dev.tether.store.ContextStore;
import dev.tether.store.Manifest;
import dev.tether.store.RestoreRecord;
import dev.tether.store.SessionKey;
import dev.tether.store.StoreConfig;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sessions of the example step agent, made from {@code examples/step-agent-session.yaml} as a user applies it
 * (only the pace and the detection timeout are changed, so the tests finish in minutes), and what they left:
 * status, pods, and the checkpoint blobs on their volume.
 */
final class StepAgentSessions implements AutoCloseable {
  private static final Pattern BLOB = Pattern.compile("(\\d+)\\.blob");
  private final TetherOnRealNodes tether;
  private final String namespace;
  /**
   * The quick-start etcd, from this machine through its Service IP (kube-proxy's rules cover the host too), as
   * the namespace's own etcd user: with the credentials the operator issued it in the Secret tether-etcd once
   * the namespace had its first session.
   */
  private ContextStore store;

  StepAgentSessions(TetherOnRealNodes tether, String namespace) {
    this.tether = tether;
    this.namespace = namespace;
  }

  /** The quick-start etcd, verified with the CA the chart generated; no credentials. */
  static StoreConfig quickstartEtcd(ChartOnRealCluster release) {
    return StoreConfig.of(ChartOnRealCluster.ETCD_ENDPOINT).withTls(release.etcdCaFile(), null, null);
  }

  /** The namespace's user and password, from the Secret the operator created for its supervisors. */
  static StoreConfig asTenant(ChartOnRealCluster release, KubernetesClient client, String namespace) {
    var secret = org.awaitility.Awaitility.await("Secret tether-etcd in " + namespace)
        .atMost(java.time.Duration.ofMinutes(1)).pollInterval(java.time.Duration.ofMillis(500))
        .until(() -> client.secrets().inNamespace(namespace).withName("tether-etcd").get(), s -> s != null);
    java.util.function.Function<String, String> value = key -> new String(
        java.util.Base64.getDecoder().decode(secret.getData().get(key)), java.nio.charset.StandardCharsets.UTF_8);
    return quickstartEtcd(release).withCredentials(value.apply("username"), value.apply("password"));
  }

  private synchronized ContextStore store() {
    if (store == null) {
      store = ContextStore.connect(asTenant(tether.release, client(), namespace));
    }
    return store;
  }

  /** The session's checkpoint manifests in etcd, newest first. */
  List<Manifest> manifests(String name) {
    return store().manifests(SessionKey.of(namespace, name));
  }

  /** What incarnation {@code epoch} restored, as its supervisor recorded it. */
  Optional<RestoreRecord> restore(String name, long epoch) {
    return store().restore(SessionKey.of(namespace, name), epoch);
  }

  @Override
  public synchronized void close() {
    if (store != null) {
      store.close();
    }
  }

  /** The example, renamed, with {@code steps} steps of {@code stepMillis} and a checkpoint every {@code every}. */
  AgentSession example(String name, int steps, int stepMillis, int every) {
    Path file = tether.repoRoot().resolve("examples/step-agent-session.yaml");
    AgentSession session;
    try {
      session = client().getKubernetesSerialization().unmarshal(Files.readString(file), AgentSession.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    session.getMetadata().setName(name);
    session.getMetadata().setNamespace(namespace);
    List<EnvVar> env = session.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv();
    Map<String, String> pace = Map.of("AGENT_STEPS", Integer.toString(steps),
        "AGENT_STEP_MILLIS", Integer.toString(stepMillis), "AGENT_CHECKPOINT_EVERY", Integer.toString(every));
    env.forEach(e -> e.setValue(pace.getOrDefault(e.getName(), e.getValue())));
    session.getSpec().getTemplate().getSpec().getContainers().get(0).setImagePullPolicy("Never");
    return session;
  }

  AgentSession apply(AgentSession session) {
    return client().resource(session).create();
  }

  Resource<AgentSession> session(String name) {
    return client().resources(AgentSession.class).inNamespace(namespace).withName(name);
  }

  AgentSessionStatus status(String name) {
    AgentSession session = session(name).get();
    return session == null || session.getStatus() == null ? new AgentSessionStatus() : session.getStatus();
  }

  Optional<Pod> pod(String name) {
    String podName = status(name).getPodName();
    return podName == null ? Optional.empty()
        : Optional.ofNullable(client().pods().inNamespace(namespace).withName(podName).get());
  }

  boolean runningAndReady(String name, long epoch) {
    AgentSessionStatus status = status(name);
    return status.getEpoch() == epoch && pod(name).filter(ChartOnRealCluster::isReady).isPresent()
        && status.getLastCheckpoint() != null && status.getLastCheckpoint().getEpoch() == epoch;
  }

  /** The agent's log of one incarnation, read from the node's disk (works when its node is silent). */
  String agentLog(String session, long epoch) {
    return tether.cluster.containerLog(namespace, session + "-" + epoch, "agent");
  }

  /** The newest checkpoint on the session's volume, as the agent wrote it: its own journal of the steps done. */
  AgentContext newestCheckpoint(String name) {
    Path dir = volumeDir(name).resolve("checkpoints");
    try (var files = Files.list(dir)) {
      Path newest = files.filter(f -> BLOB.matcher(f.getFileName().toString()).matches())
          .max(Comparator.comparingLong(StepAgentSessions::sequence))
          .orElseThrow(() -> new AssertionError("no checkpoint blob in " + dir));
      return AgentContext.parse(Files.readAllBytes(newest));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  long blobCount(String name) {
    Path dir = volumeDir(name).resolve("checkpoints");
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (var files = Files.list(dir)) {
      return files.filter(f -> BLOB.matcher(f.getFileName().toString()).matches()).count();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** How many times each step appears in the context, by step; the steps each epoch did. */
  static Map<Integer, Integer> stepCounts(AgentContext context) {
    Map<Integer, Integer> counts = new TreeMap<>();
    context.steps().forEach(step -> counts.merge(step.step(), 1, Integer::sum));
    return counts;
  }

  private Path volumeDir(String name) {
    String claim = name + "-checkpoints";
    String volume = client().persistentVolumeClaims().inNamespace(namespace).withName(claim).get().getSpec()
        .getVolumeName();
    PersistentVolume pv = client().persistentVolumes().withName(volume).get();
    return Path.of(pv.getSpec().getLocal().getPath());
  }

  private static long sequence(Path blob) {
    Matcher m = BLOB.matcher(blob.getFileName().toString());
    return m.matches() ? Long.parseLong(m.group(1)) : -1;
  }

  private KubernetesClient client() {
    return tether.client();
  }
}
