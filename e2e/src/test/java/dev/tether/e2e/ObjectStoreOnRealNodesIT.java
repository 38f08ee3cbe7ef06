package dev.tether.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.AgentSessionStatus;
import dev.tether.api.v1alpha1.CheckpointSpec;
import dev.tether.api.v1alpha1.MigrationRecord;
import dev.tether.api.v1alpha1.MigrationStep;
import dev.tether.api.v1alpha1.ObjectStoreSpec;
import dev.tether.store.Manifest;
import dev.tether.testbed.real.ObjectStorePod;
import dev.tether.testbed.real.RealNode;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.NodeAffinityBuilder;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The object-store tier under real kubelets: S3Proxy runs as a pod from the project's image on the infra node,
 * two step agents checkpoint onto node-local volumes (pinned to their node), one with the tier and one without,
 * and their node is crashed. The tiered session comes back on the other worker from the object store into a
 * fresh volume; the other one waits for its node, saying so.
 */
class ObjectStoreOnRealNodesIT {
  private static final Duration START = Duration.ofMinutes(3);
  private static final Duration MOVE = Duration.ofMinutes(3);
  private static final Pattern RESTORED = Pattern.compile("restored checkpoint (\\d+) at step (\\d+)");
  private static TetherOnRealNodes tether;
  private static StepAgentSessions sessions;
  private static String namespace;
  private static String endpoint;

  @BeforeAll
  static void install() {
    TetherOnRealNodes.assumeAvailable(ObjectStoreOnRealNodesIT.class);
    tether = TetherOnRealNodes.get();
    endpoint = ObjectStorePod.start(tether.cluster, tether.cluster.createNamespace("object-store"));
    namespace = tether.cluster.createNamespace("tiered");
    sessions = new StepAgentSessions(tether, namespace);
    tether.client().resource(dev.tether.testbed.ObjectStoreServer.credentialsSecret(namespace, "s3-creds")).create();
  }

  @AfterAll
  static void closeStore() {
    if (sessions != null) {
      sessions.close();
    }
  }

  private static AgentSession nodeLocal(String name, ObjectStoreSpec tier, String preferred) {
    AgentSession session = sessions.example(name, 3000, 300, 5);
    session.getSpec().getFailover().setDetectionTimeout("8s");
    CheckpointSpec checkpoint = session.getSpec().getCheckpoint();
    checkpoint.setStorageClassName("node-local");
    checkpoint.setAccessMode(CheckpointSpec.AccessMode.ReadWriteOnce);
    checkpoint.setReclaimPolicy(CheckpointSpec.ReclaimPolicy.Delete);
    checkpoint.setObjectStore(tier);
    // On the workers only, both first on the same one, so that one crash takes both volumes.
    List<String> workers = tether.workers().stream().map(RealNode::name).toList();
    session.getSpec().getTemplate().getSpec().setAffinity(new io.fabric8.kubernetes.api.model.AffinityBuilder()
        .withNodeAffinity(new NodeAffinityBuilder()
            .withNewRequiredDuringSchedulingIgnoredDuringExecution().addNewNodeSelectorTerm()
              .withMatchExpressions(new NodeSelectorRequirement("kubernetes.io/hostname", "In", workers))
            .endNodeSelectorTerm().endRequiredDuringSchedulingIgnoredDuringExecution()
            .addNewPreferredDuringSchedulingIgnoredDuringExecution().withWeight(100).withNewPreference()
              .withMatchExpressions(new NodeSelectorRequirement("kubernetes.io/hostname", "In", List.of(preferred)))
            .endPreference().endPreferredDuringSchedulingIgnoredDuringExecution()
            .build())
        .build());
    return session;
  }

  private static ObjectStoreSpec tier() {
    ObjectStoreSpec spec = new ObjectStoreSpec();
    spec.setEndpoint(endpoint);
    spec.setBucket(ObjectStorePod.BUCKET);
    spec.setPrefix("tether");
    spec.setCredentialsSecret("s3-creds");
    return spec;
  }

  @Test
  void aCrashedNodesLocalVolumeIsReplacedFromTheObjectStoreAndWithoutTheTierTheSessionWaits() {
    String first = tether.workers().get(0).name();
    sessions.apply(nodeLocal("tiered", tier(), first));
    sessions.apply(nodeLocal("plain", null, first));
    await().atMost(START).pollInterval(Duration.ofMillis(500))
        .until(() -> sessions.runningAndReady("tiered", 1) && sessions.runningAndReady("plain", 1));
    await().atMost(Duration.ofMinutes(1)).until(() -> sessions.status("tiered").getLastCheckpoint().getSequence() >= 3);
    AgentSessionStatus before = sessions.status("tiered");
    assertThat(before.getNodeName()).isEqualTo(first);
    assertThat(sessions.status("plain").getNodeName()).isEqualTo(first);
    assertThat(before.getLastCheckpoint().getObject()).startsWith("tether/" + namespace + "/tiered/");
    assertThat(before.getObjectStore().getMode()).isEqualTo("Synchronous");

    RealNode node = tether.cluster.node(first);
    Instant crashed = Instant.now();
    node.crash();
    try {
      await().atMost(MOVE).pollInterval(Duration.ofMillis(500)).until(() -> sessions.runningAndReady("tiered", 2));
      Duration crashToRunning = Duration.between(crashed, Instant.now());
      AgentSessionStatus after = sessions.status("tiered");
      MigrationRecord move = after.getMigrations().get(after.getMigrations().size() - 1);
      Duration detectionToRunning = Duration.between(Instant.parse(move.getDetectedAt()),
          Instant.parse(move.getRunningAt()));
      System.out.printf("object-store tier on real nodes: crash to Running %.1f s, detection to Running %.1f s%n",
          crashToRunning.toMillis() / 1000.0, detectionToRunning.toMillis() / 1000.0);

      Manifest lastBeforeCrash = sessions.manifests("tiered").stream().filter(m -> m.epoch() == 1).findFirst()
          .orElseThrow();
      assertThat(after.getNodeName()).isNotEqualTo(first);
      assertThat(after.getVolumeClaim()).isEqualTo("tiered-checkpoints-1");
      assertThat(after.getRestoredFrom().getSource()).isEqualTo("ObjectStore");
      assertThat(after.getRestoredFrom().isFallback()).isFalse();
      assertThat(after.getRestoredFrom().getSequence()).isEqualTo(lastBeforeCrash.sequence());
      assertThat(move.getReason()).isEqualTo("NodeFailed");
      assertThat(events("tiered")).anySatisfy(e -> {
        assertThat(e.getReason()).isEqualTo("VolumeReplaced");
        assertThat(e.getMessage()).contains("can be mounted on node " + first + " only");
      });
      // The agent goes on from the step its last acknowledged checkpoint holds.
      String log = sessions.agentLog("tiered", 2);
      Matcher restored = RESTORED.matcher(log);
      assertThat(restored.find()).as(log).isTrue();
      assertThat(Long.parseLong(restored.group(1))).isEqualTo(lastBeforeCrash.sequence());
      assertThat(restored.group(2)).isEqualTo(lastBeforeCrash.metadata().get("step"));

      await().atMost(MOVE).pollInterval(Duration.ofMillis(500)).until(() -> {
        AgentSessionStatus waiting = sessions.status("plain");
        return waiting.getMigration() != null && waiting.getMigration().getStep() == MigrationStep.WaitingForVolume
            && waiting.getConditions().stream().anyMatch(c -> "Degraded".equals(c.getType())
                && "VolumeStuck".equals(c.getReason()) && c.getMessage().contains("can be mounted on node " + first));
      });
      assertThat(sessions.status("plain").getEpoch()).isEqualTo(1);
    } finally {
      node.restart();
      await().atMost(START).until(() -> isNodeReady(node.name()));
    }
    // Back with its node, the session without the tier continues there from its own volume.
    await().atMost(MOVE).pollInterval(Duration.ofMillis(500)).until(() -> sessions.runningAndReady("plain", 2));
    assertThat(sessions.status("plain").getNodeName()).isEqualTo(first);
    assertThat(sessions.status("plain").getRestoredFrom().getSource()).isEqualTo("Volume");
    for (String name : List.of("tiered", "plain")) {
      sessions.session(name).delete();
    }
  }

  private static List<Event> events(String name) {
    return tether.client().v1().events().inNamespace(namespace).list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName())).toList();
  }

  private static boolean isNodeReady(String name) {
    var node = tether.client().nodes().withName(name).get();
    return node != null && node.getStatus() != null && node.getStatus().getConditions() != null
        && node.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }
}
