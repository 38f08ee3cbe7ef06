package dev.tether.playground;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.CheckpointSpec;
import dev.tether.api.v1alpha1.MigrationRecord;
import dev.tether.api.v1alpha1.MigrationStep;
import dev.tether.api.v1alpha1.ObjectStoreSpec;
import dev.tether.api.v1alpha1.SessionPhase;
import dev.tether.store.Manifest;
import dev.tether.store.ObjectKeys;
import dev.tether.store.SessionKey;
import dev.tether.testbed.ObjectStoreServer;
import dev.tether.testbed.sim.SimulatedNode;
import dev.tether.testbed.sim.Volumes;
import io.fabric8.kubernetes.api.model.Event;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A ReadWriteOnce volume stays attached to a crashed node for minutes. With the object-store tier the next
 * incarnation does not wait for it: it restores from the object store into a fresh volume on another node.
 * A session without the tier, crashed on the same node at the same moment, is still waiting for its volume then.
 */
class ObjectStoreFailoverIT {
  static final Duration TIMEOUT = Duration.ofSeconds(90);
  static final String BUCKET = "checkpoints";
  static ObjectStoreServer s3;

  final SessionCluster bed = PlaygroundBed.get();

  @BeforeAll
  static void startObjectStore() {
    s3 = ObjectStoreServer.startNew();
    s3.createBucket(BUCKET);
  }

  @AfterAll
  static void stopObjectStore() {
    s3.close();
  }

  static ObjectStoreSpec tier() {
    ObjectStoreSpec spec = new ObjectStoreSpec();
    spec.setEndpoint(s3.endpoint().toString());
    spec.setBucket(BUCKET);
    spec.setPrefix("tether");
    spec.setCredentialsSecret("s3-creds");
    return spec;
  }

  private AgentSession session(String ns, String name, String pool, ObjectStoreSpec tier) {
    AgentSession session = new StepAgentSession(400, Duration.ofMillis(100), 3, "4s",
        Map.of(PlaygroundBed.POOL_LABEL, pool)).build(ns, name);
    CheckpointSpec checkpoint = session.getSpec().getCheckpoint();
    checkpoint.setAccessMode(CheckpointSpec.AccessMode.ReadWriteOnce);
    checkpoint.setObjectStore(tier);
    checkpoint.setReclaimPolicy(CheckpointSpec.ReclaimPolicy.Delete);
    return session;
  }

  @Test
  void aCrashedNodesVolumeIsNotWaitedForWhenTheObjectStoreHoldsTheCheckpoints() {
    String ns = PlaygroundBed.newNamespace("tier");
    String pool = PlaygroundBed.newPool();
    SimulatedNode only = PlaygroundBed.addNode(pool, "a");
    bed.client().resource(ObjectStoreServer.credentialsSecret(ns, "s3-creds")).create();
    SessionKey tiered = SessionKey.of(ns, "tiered");
    SessionKey plain = SessionKey.of(ns, "plain");
    try (StoreHistory history = new StoreHistory(bed.store(), ns)) {
      bed.client().resource(session(ns, "tiered", pool, tier())).create();
      bed.client().resource(session(ns, "plain", pool, null)).create();
      AgentSession first = PlaygroundBed.awaitSession(ns, "tiered", TIMEOUT,
          s -> s.getStatus().getPhase() == SessionPhase.Running && s.getStatus().getEpoch() == 1);
      PlaygroundBed.awaitSession(ns, "plain", TIMEOUT,
          s -> s.getStatus().getPhase() == SessionPhase.Running && s.getStatus().getEpoch() == 1);
      await().atMost(TIMEOUT).until(() -> history.commits(tiered).size() >= 3 && !history.commits(plain).isEmpty());
      String prefix = ObjectKeys.sessionPrefix("tether", ns, "tiered", first.getMetadata().getUid());
      assertThat(first.getStatus().getObjectStore().getLocation()).isEqualTo("s3://" + BUCKET + "/" + prefix);
      assertThat(history.commits(tiered)).allSatisfy(m -> assertThat(m.object()).startsWith(prefix));
      assertThat(history.commits(plain)).allSatisfy(m -> assertThat(m.object()).isNull());
      List.of("b", "c").forEach(n -> PlaygroundBed.addNode(pool, n));

      only.crash();
      Instant crashed = Instant.now();

      AgentSession moved = PlaygroundBed.awaitSession(ns, "tiered", TIMEOUT, s -> s.getStatus().getEpoch() == 2
          && s.getStatus().getPhase() == SessionPhase.Running && s.getStatus().getRestoredFrom() != null
          && s.getStatus().getRestoredFrom().getEpoch() == 2);
      Duration crashToRunning = Duration.between(crashed, Instant.now());
      AgentSession waiting = PlaygroundBed.get(ns, "plain");
      await().atMost(TIMEOUT).until(() -> history.commits(tiered).stream().anyMatch(m -> m.epoch() == 2));
      Manifest lastBeforeCrash = history.commits(tiered).stream().filter(m -> m.epoch() == 1)
          .reduce((a, b) -> b).orElseThrow();

      MigrationRecord record = moved.getStatus().getMigrations().get(moved.getStatus().getMigrations().size() - 1);
      Duration detectionToRunning = Duration.between(Instant.parse(record.getDetectedAt()),
          Instant.parse(record.getRunningAt()));
      System.out.printf("tiered: crash to Running %d ms, detection to Running %d ms%n", crashToRunning.toMillis(),
          detectionToRunning.toMillis());
      assertThat(detectionToRunning).as("detection to Running").isLessThanOrEqualTo(Duration.ofSeconds(5));
      assertThat(moved.getStatus().getNodeName()).isNotEqualTo(only.name());
      assertThat(moved.getStatus().getVolumeClaim()).isEqualTo("tiered-checkpoints-1");
      assertThat(moved.getStatus().getRestoredFrom().getSource()).isEqualTo("ObjectStore");
      assertThat(moved.getStatus().getRestoredFrom().getSequence()).isEqualTo(lastBeforeCrash.sequence());
      assertThat(moved.getStatus().getRestoredFrom().getDigest()).isEqualTo(lastBeforeCrash.digest());
      assertThat(moved.getStatus().getRestoredFrom().isFallback()).isFalse();
      assertThat(warnings(ns, "tiered")).extracting(Event::getReason).contains("VolumeReplaced");
      await().atMost(TIMEOUT).untilAsserted(() -> assertThat(bed.journal().entries(ns, "tiered")).anySatisfy(e -> {
        assertThat(e.epoch()).isEqualTo(2);
        assertThat(e.kind()).isEqualTo(AgentJournal.Kind.RESTORED);
        assertThat(e.step()).isEqualTo(Integer.parseInt(lastBeforeCrash.metadata().get("step")));
      }));

      // The same crash, the same moment: without the tier the session still waits for its volume.
      assertThat(waiting.getStatus().getMigration()).isNotNull();
      assertThat(waiting.getStatus().getMigration().getStep()).isEqualTo(MigrationStep.WaitingForVolume);
      assertThat(waiting.getStatus().getVolumeClaim()).isNull();

      assertThat(s3.objects(BUCKET)).as("every object of the namespace is under its prefix")
          .allSatisfy(key -> assertThat(key).startsWith(ObjectKeys.namespacePrefix("tether", ns)));
      assertThat(s3.objects(BUCKET)).anySatisfy(key -> assertThat(key).startsWith(prefix));

      // reclaimPolicy Delete: the session's objects go with it.
      bed.client().resources(AgentSession.class).inNamespace(ns).withName("tiered").delete();
      await().atMost(TIMEOUT).until(() -> s3.objects(BUCKET).stream().noneMatch(key -> key.startsWith(prefix)));
      bed.client().resources(AgentSession.class).inNamespace(ns).withName("plain").delete();
      only.heal();
    }
  }

  @Test
  void aNodeLocalVolumeIsReplacedFromTheObjectStoreAndWithoutTheTierTheSessionWaitsForItsNode() {
    String ns = PlaygroundBed.newNamespace("tier-local");
    String pool = PlaygroundBed.newPool();
    SimulatedNode only = PlaygroundBed.addNode(pool, "a");
    bed.client().resource(ObjectStoreServer.credentialsSecret(ns, "s3-creds")).create();
    SessionKey tiered = SessionKey.of(ns, "tiered");
    try (StoreHistory history = new StoreHistory(bed.store(), ns)) {
      for (String name : List.of("tiered", "plain")) {
        AgentSession session = session(ns, name, pool, "tiered".equals(name) ? tier() : null);
        session.getSpec().getCheckpoint().setStorageClassName(Volumes.NODE_LOCAL_CLASS);
        bed.client().resource(session).create();
      }
      for (String name : List.of("tiered", "plain")) {
        PlaygroundBed.awaitSession(ns, name, TIMEOUT,
            s -> s.getStatus().getPhase() == SessionPhase.Running && s.getStatus().getEpoch() == 1);
      }
      await().atMost(TIMEOUT).until(() -> history.commits(tiered).size() >= 2);
      List.of("b", "c").forEach(n -> PlaygroundBed.addNode(pool, n));

      only.crash();

      AgentSession moved = PlaygroundBed.awaitSession(ns, "tiered", TIMEOUT, s -> s.getStatus().getEpoch() == 2
          && s.getStatus().getPhase() == SessionPhase.Running && s.getStatus().getRestoredFrom() != null
          && s.getStatus().getRestoredFrom().getEpoch() == 2);
      Manifest lastBeforeCrash = history.commits(tiered).stream().filter(m -> m.epoch() == 1)
          .reduce((x, y) -> y).orElseThrow();
      assertThat(moved.getStatus().getNodeName()).isNotEqualTo(only.name());
      assertThat(moved.getStatus().getVolumeClaim()).isEqualTo("tiered-checkpoints-1");
      assertThat(moved.getStatus().getRestoredFrom().getSource()).isEqualTo("ObjectStore");
      assertThat(moved.getStatus().getRestoredFrom().getSequence()).isEqualTo(lastBeforeCrash.sequence());
      assertThat(warnings(ns, "tiered")).anySatisfy(e -> {
        assertThat(e.getReason()).isEqualTo("VolumeReplaced");
        assertThat(e.getMessage()).contains("can be mounted on node " + only.name() + " only");
      });

      AgentSession waiting = PlaygroundBed.awaitSession(ns, "plain", TIMEOUT, s -> degradedBy(s, "VolumeStuck"));
      assertThat(waiting.getStatus().getMigration().getStep()).isEqualTo(MigrationStep.WaitingForVolume);
      assertThat(waiting.getStatus().getEpoch()).isEqualTo(1);
      assertThat(waiting.getStatus().getConditions()).anySatisfy(c -> assertThat(c.getMessage())
          .contains("can be mounted on node " + only.name() + " only").contains("resumes when that node is back"));
      for (String name : List.of("tiered", "plain")) {
        bed.client().resources(AgentSession.class).inNamespace(ns).withName(name).delete();
      }
      only.heal();
    }
  }

  @Test
  void anObjectStoreOutageIsADegradedConditionAndAWarningUntilItEnds() {
    String ns = PlaygroundBed.newNamespace("tier-outage");
    String pool = PlaygroundBed.newPool();
    PlaygroundBed.addNode(pool, "a");
    bed.client().resource(ObjectStoreServer.credentialsSecret(ns, "s3-creds")).create();
    ObjectStoreSpec async = tier();
    async.setMode(ObjectStoreSpec.Mode.Asynchronous);
    async.setMaxLag("20s");
    bed.client().resource(session(ns, "async", pool, async)).create();
    AgentSession running = PlaygroundBed.awaitSession(ns, "async", TIMEOUT, s -> s.getStatus().getPhase()
        == SessionPhase.Running && s.getStatus().getObjectStore() != null
        && s.getStatus().getObjectStore().getUploadedSequence() != null);
    assertThat(running.getStatus().getObjectStore().getMode()).isEqualTo("Asynchronous");

    s3.stop();
    try {
      AgentSession degraded = PlaygroundBed.awaitSession(ns, "async", TIMEOUT, s -> degradedBy(s, "ObjectStoreUnavailable"));
      assertThat(degraded.getStatus().getObjectStore().getError()).contains("cannot upload");
      assertThat(degraded.getStatus().getObjectStore().getErrorSince()).isNotNull();
      assertThat(degraded.getStatus().getPhase()).as("the session keeps running").isEqualTo(SessionPhase.Running);
      await().atMost(TIMEOUT).until(() -> warnings(ns, "async").stream()
          .anyMatch(e -> "ObjectStoreUnavailable".equals(e.getReason())));
    } finally {
      s3.start();
    }
    // The error clears with the first upload that goes through, which may still be of the newest checkpoint
    // before the outage: uploads have resumed once a newer one is in.
    long before = running.getStatus().getObjectStore().getUploadedSequence();
    PlaygroundBed.awaitSession(ns, "async", TIMEOUT, s -> !degradedBy(s, "ObjectStoreUnavailable")
        && s.getStatus().getObjectStore().getError() == null
        && s.getStatus().getObjectStore().getUploadedSequence() != null
        && s.getStatus().getObjectStore().getUploadedSequence() > before);
    await().atMost(TIMEOUT).until(() -> bed.client().v1().events().inNamespace(ns).list().getItems().stream()
        .anyMatch(e -> "ObjectStoreRecovered".equals(e.getReason())));
    bed.client().resources(AgentSession.class).inNamespace(ns).withName("async").delete();
  }

  private static boolean degradedBy(AgentSession s, String reason) {
    return s.getStatus().getConditions() != null && s.getStatus().getConditions().stream()
        .anyMatch(c -> "Degraded".equals(c.getType()) && "True".equals(c.getStatus()) && reason.equals(c.getReason()));
  }

  private List<Event> warnings(String ns, String name) {
    return bed.client().v1().events().inNamespace(ns).list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName()) && "Warning".equals(e.getType())).toList();
  }
}
