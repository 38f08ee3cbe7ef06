package dev.tether.supervisor;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tether.store.ContextStore;
import dev.tether.store.Manifest;
import dev.tether.store.ObjectKeys;
import dev.tether.store.RestoreRecord;
import dev.tether.store.SessionKey;
import dev.tether.store.StoreConfig;
import dev.tether.testbed.EtcdServer;
import dev.tether.testbed.ObjectStoreServer;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The object-store tier with a real etcd and a real S3 API (S3Proxy): every acknowledged checkpoint is in the
 * object store, a new incarnation on an empty volume restores from there, and a store that is down or holds a
 * corrupt object is never papered over.
 */
class ObjectStoreTierIT {
  static final String BUCKET = "checkpoints";
  static final Duration WAIT = Duration.ofSeconds(30);
  static EtcdServer etcd;
  static ObjectStoreServer s3;

  @TempDir
  Path firstVolume;
  @TempDir
  Path freshVolume;

  @BeforeAll
  static void start() {
    etcd = EtcdServer.start();
    s3 = ObjectStoreServer.startNew();
    s3.createBucket(BUCKET);
  }

  @AfterAll
  static void stop() {
    s3.close();
    etcd.close();
  }

  static ObjectStoreConfig tier(String prefix) {
    return new ObjectStoreConfig(s3.endpoint(), s3.region(), BUCKET, prefix, true, s3.accessKeyId(),
        s3.secretAccessKey());
  }

  static String prefixOf(SessionKey session) {
    return ObjectKeys.sessionPrefix("tether", session.namespace(), session.name(), UUID.randomUUID().toString());
  }

  private static Supervisor supervisor(SessionKey session, long epoch, Path volume, String prefix,
      RestorePolicy policy) throws Exception {
    StoreConfig store = StoreConfig.of(etcd.endpoint()).withOperationTimeout(Duration.ofSeconds(2));
    return Supervisor.start(SupervisorConfig.of(session, epoch, volume, store).withRetain(2)
        .withRestorePolicy(policy).withObjectStore(tier(prefix)));
  }

  private static Supervisor asynchronous(SessionKey session, long epoch, Path volume, String prefix, int retain,
      Duration maxLag) throws Exception {
    StoreConfig store = StoreConfig.of(etcd.endpoint()).withOperationTimeout(Duration.ofSeconds(2));
    return Supervisor.start(SupervisorConfig.of(session, epoch, volume, store).withRetain(retain)
        .withObjectStore(tier(prefix).withMode(ObjectStoreConfig.Mode.Asynchronous, maxLag)));
  }

  private static List<String> blobsUnder(String prefix) {
    return s3.objects(BUCKET).stream().filter(k -> k.startsWith(prefix) && !k.endsWith("/")).toList();
  }

  @Test
  void acknowledgedMeansInTheObjectStoreAndAFreshVolumeRestoresFromIt() throws Exception {
    SessionKey session = SessionKey.of("team-a", "tiered");
    String prefix = prefixOf(session);
    try (ContextStore operator = ContextStore.connect(StoreConfig.of(etcd.endpoint()))) {
      operator.advanceEpoch(session, 1);
      byte[] last;
      try (Supervisor first = supervisor(session, 1, firstVolume, prefix, RestorePolicy.LatestVerified)) {
        AgentClient agent = new AgentClient(first);
        await().atMost(WAIT).until(() -> agent.status("/readyz") == 200);
        for (int i = 1; i <= 4; i++) {
          HttpResponse<String> response = agent.post(("context " + i).getBytes(UTF_8), Map.of("step", "" + i));
          assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        }
        last = "context 4".getBytes(UTF_8);
        List<Manifest> manifests = operator.manifests(session);
        assertThat(manifests).allSatisfy(m -> {
          assertThat(m.object()).isEqualTo(ObjectKeys.blob(prefix, m.sequence(), 1));
          assertThat(s3.read(BUCKET, m.object())).isEqualTo(
              Files.readAllBytes(firstVolume.resolve("checkpoints/" + m.sequence() + ".blob")));
        });
        // Retention keeps 2 in etcd, on the volume and in the object store.
        await().atMost(WAIT).until(() -> blobsUnder(prefix).size() == 2);
        assertThat(blobsUnder(prefix)).containsExactlyInAnyOrder(ObjectKeys.blob(prefix, 3, 1),
            ObjectKeys.blob(prefix, 4, 1));
      }

      operator.advanceEpoch(session, 2);
      try (Supervisor second = supervisor(session, 2, freshVolume, prefix, RestorePolicy.LatestVerified)) {
        AgentClient agent = new AgentClient(second);
        await().atMost(WAIT).until(() -> agent.status("/readyz") == 200);
        RestoreRecord record = operator.restore(session, 2).orElseThrow();
        assertThat(record.sequence()).isEqualTo(4);
        assertThat(record.source()).isEqualTo(RestoreRecord.OBJECT_STORE);
        assertThat(record.fallback()).isFalse();
        assertThat(agent.latest().body()).isEqualTo(last);
        assertThat(Files.readAllBytes(freshVolume.resolve("checkpoints/4.blob"))).isEqualTo(last);
      }
    }
  }

  @Test
  void aStoreThatIsDownRefusesTheCommitAndKeepsARestoreWaitingInsteadOfFallingBack() throws Exception {
    SessionKey session = SessionKey.of("team-a", "outage");
    String prefix = prefixOf(session);
    try (ContextStore operator = ContextStore.connect(StoreConfig.of(etcd.endpoint()))) {
      operator.advanceEpoch(session, 1);
      try (Supervisor first = supervisor(session, 1, firstVolume, prefix, RestorePolicy.LatestVerified)) {
        AgentClient agent = new AgentClient(first);
        await().atMost(WAIT).until(() -> agent.status("/readyz") == 200);
        assertThat(agent.post("one".getBytes(UTF_8), Map.of()).statusCode()).isEqualTo(201);
        s3.stop();
        try {
          HttpResponse<String> refused = agent.post("two".getBytes(UTF_8), Map.of());
          assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
          assertThat(AgentClient.json(refused.body()).path("error").asText()).isEqualTo("object-store-unavailable");
          assertThat(operator.lastSequence(session)).as("nothing committed").isEqualTo(1);
          assertThat(AgentClient.sample(agent.metrics(), "tether_supervisor_object_store_failures_total"))
              .isEqualTo(1.0);
          assertThat(operator.uploads(session).orElseThrow().error()).as("recorded for the operator's status")
              .contains("cannot upload");

          // A new incarnation on a fresh volume cannot reach the newest checkpoint: it waits, unready.
          operator.advanceEpoch(session, 2);
          try (Supervisor second = supervisor(session, 2, freshVolume, prefix, RestorePolicy.LatestVerified)) {
            AgentClient next = new AgentClient(second);
            await().atMost(WAIT).until(() -> next.get("/readyz", Duration.ofSeconds(2)).body()
                .contains("object store unreachable"));
            assertThat(operator.restore(session, 2)).isEmpty();
            s3.start();
            await().atMost(WAIT).until(() -> next.status("/readyz") == 200);
            RestoreRecord record = operator.restore(session, 2).orElseThrow();
            assertThat(record.sequence()).isEqualTo(1);
            assertThat(record.source()).isEqualTo(RestoreRecord.OBJECT_STORE);
            assertThat(next.latest().body()).isEqualTo("one".getBytes(UTF_8));
          }
        } finally {
          if (!s3.isRunning()) {
            s3.start();
          }
        }
      }
    }
  }

  @Test
  void asynchronousCommitsAreAcknowledgedBeforeTheUploadWithABoundedRecordedLag() throws Exception {
    SessionKey session = SessionKey.of("team-a", "async");
    String prefix = prefixOf(session);
    try (ContextStore operator = ContextStore.connect(StoreConfig.of(etcd.endpoint()))) {
      operator.advanceEpoch(session, 1);
      try (Supervisor first = asynchronous(session, 1, firstVolume, prefix, 3, Duration.ofSeconds(1))) {
        AgentClient agent = new AgentClient(first);
        await().atMost(WAIT).until(() -> agent.status("/readyz") == 200);
        assertThat(agent.post("one".getBytes(UTF_8), Map.of()).statusCode()).isEqualTo(201);
        assertThat(agent.post("two".getBytes(UTF_8), Map.of()).statusCode()).isEqualTo(201);
        await().atMost(WAIT).until(() -> operator.uploads(session)
            .filter(u -> u.uploadedSequence() == 2 && u.pending() == 0).isPresent());
        assertThat(s3.read(BUCKET, ObjectKeys.blob(prefix, 2, 1))).isEqualTo("two".getBytes(UTF_8));
        assertThat(operator.latest(session).orElseThrow().object()).isEqualTo(ObjectKeys.blob(prefix, 2, 1));

        s3.stop();
        try {
          // Acknowledged with the store down: the lag is recorded, and bounded.
          assertThat(agent.post("three".getBytes(UTF_8), Map.of()).statusCode()).isEqualTo(201);
          assertThat(agent.post("four".getBytes(UTF_8), Map.of()).statusCode()).isEqualTo(201);
          await().atMost(WAIT).until(() -> operator.uploads(session)
              .filter(u -> u.error() != null && u.uploadedSequence() == 2).isPresent());
          HttpResponse<String> refused = agent.post("five".getBytes(UTF_8), Map.of());
          assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
          assertThat(AgentClient.json(refused.body()).path("error").asText()).isEqualTo("object-store-lagging");
          assertThat(refused.body()).as("retain 3 would prune the newest uploaded one")
              .contains("would prune checkpoint 2");
          assertThat(operator.lastSequence(session)).as("nothing committed").isEqualTo(4);

          s3.start();
          await().atMost(WAIT).until(() -> operator.uploads(session)
              .filter(u -> u.uploadedSequence() == 4 && u.pending() == 0 && u.error() == null).isPresent());
          assertThat(s3.read(BUCKET, ObjectKeys.blob(prefix, 4, 1))).isEqualTo("four".getBytes(UTF_8));
          assertThat(blobsUnder(prefix)).as("three was overtaken before its turn").doesNotContain(
              ObjectKeys.blob(prefix, 3, 1));

          // One more acknowledged while the store is down, then the volume is lost with it.
          s3.stop();
          assertThat(agent.post("five".getBytes(UTF_8), Map.of()).statusCode()).isEqualTo(201);
          await().atMost(WAIT).until(() -> operator.uploads(session).filter(u -> u.error() != null).isPresent());
          java.time.Instant fiveAt = operator.latest(session).orElseThrow().createdAt();
          await().atMost(WAIT).until(() -> java.time.Instant.now().isAfter(fiveAt.plusMillis(1500)));
          HttpResponse<String> late = agent.post("six".getBytes(UTF_8), Map.of());
          assertThat(late.statusCode()).as(late.body()).isEqualTo(503);
          assertThat(late.body()).contains("not in the object store yet").contains("(maxLag 1 s)");
        } finally {
          if (!s3.isRunning()) {
            s3.start();
          }
        }
      }

      // The next incarnation on a fresh volume finds what the object store has: the fallback is on record.
      operator.advanceEpoch(session, 2);
      try (Supervisor second = asynchronous(session, 2, freshVolume, prefix, 3, Duration.ofSeconds(1))) {
        AgentClient agent = new AgentClient(second);
        await().atMost(WAIT).until(() -> agent.status("/readyz") == 200);
        RestoreRecord record = operator.restore(session, 2).orElseThrow();
        long newest = operator.lastSequence(session);
        assertThat(record.fallback()).isTrue();
        assertThat(record.sequence()).isEqualTo(4);
        assertThat(record.source()).isEqualTo(RestoreRecord.OBJECT_STORE);
        assertThat(record.reason()).startsWith("BlobMissing: sequence").contains(Long.toString(newest));
        assertThat(agent.latest().body()).isEqualTo("four".getBytes(UTF_8));
      }
    }
  }

  @Test
  void twoTenantsWithTheSameSessionNameNeverSeeEachOthersObjects() throws Exception {
    SessionKey a = SessionKey.of("tenant-a", "chat");
    SessionKey b = SessionKey.of("tenant-b", "chat");
    String prefixA = prefixOf(a);
    String prefixB = prefixOf(b);
    assertThat(prefixA).startsWith(ObjectKeys.namespacePrefix("tether", "tenant-a"));
    assertThat(prefixB).startsWith(ObjectKeys.namespacePrefix("tether", "tenant-b"));
    try (ContextStore operator = ContextStore.connect(StoreConfig.of(etcd.endpoint()))) {
      operator.advanceEpoch(a, 1);
      operator.advanceEpoch(b, 1);
      Path volumeB = Files.createTempDirectory(firstVolume, "b");
      try (Supervisor first = supervisor(a, 1, firstVolume, prefixA, RestorePolicy.LatestVerified);
           Supervisor second = supervisor(b, 1, volumeB, prefixB, RestorePolicy.LatestVerified)) {
        AgentClient tenantA = new AgentClient(first);
        AgentClient tenantB = new AgentClient(second);
        await().atMost(WAIT).until(() -> tenantA.status("/readyz") == 200 && tenantB.status("/readyz") == 200);
        assertThat(tenantB.post("b's only context".getBytes(UTF_8), Map.of()).statusCode()).isEqualTo(201);
        for (int i = 1; i <= 5; i++) {
          assertThat(tenantA.post(("a " + i).getBytes(UTF_8), Map.of()).statusCode()).isEqualTo(201);
        }
        // Retention of a's sequences 1-3 must not touch b's sequence 1.
        await().atMost(WAIT).until(() -> blobsUnder(prefixA).size() == 2);
      }
      assertThat(blobsUnder(prefixB)).containsExactly(ObjectKeys.blob(prefixB, 1, 1));
      assertThat(s3.read(BUCKET, ObjectKeys.blob(prefixB, 1, 1))).isEqualTo("b's only context".getBytes(UTF_8));

      operator.advanceEpoch(b, 2);
      try (Supervisor next = supervisor(b, 2, freshVolume, prefixB, RestorePolicy.LatestVerified)) {
        AgentClient agent = new AgentClient(next);
        await().atMost(WAIT).until(() -> agent.status("/readyz") == 200);
        assertThat(agent.latest().body()).isEqualTo("b's only context".getBytes(UTF_8));
      }
    }
  }

  @Test
  void aCorruptObjectIsAFallbackOnRecordOrARefusalUnderRequireLatest() throws Exception {
    SessionKey session = SessionKey.of("team-a", "corrupt");
    String prefix = prefixOf(session);
    try (ContextStore operator = ContextStore.connect(StoreConfig.of(etcd.endpoint()))) {
      operator.advanceEpoch(session, 1);
      try (Supervisor first = supervisor(session, 1, firstVolume, prefix, RestorePolicy.LatestVerified)) {
        AgentClient agent = new AgentClient(first);
        await().atMost(WAIT).until(() -> agent.status("/readyz") == 200);
        assertThat(agent.post("older".getBytes(UTF_8), Map.of()).statusCode()).isEqualTo(201);
        assertThat(agent.post("newest".getBytes(UTF_8), Map.of()).statusCode()).isEqualTo(201);
      }
      s3.overwrite(BUCKET, ObjectKeys.blob(prefix, 2, 1), "tampered".getBytes(UTF_8));

      operator.advanceEpoch(session, 2);
      Path strict = Files.createTempDirectory(freshVolume, "strict");
      try (Supervisor refusing = supervisor(session, 2, strict, prefix, RestorePolicy.RequireLatest)) {
        AgentClient agent = new AgentClient(refusing);
        await().atMost(WAIT).until(() -> operator.restore(session, 2).isPresent());
        assertThat(operator.restore(session, 2).orElseThrow().reason()).startsWith("RequireLatest: DigestMismatch");
        assertThat(agent.status("/readyz")).isEqualTo(503);
      }

      operator.advanceEpoch(session, 3);
      Path lenient = Files.createTempDirectory(freshVolume, "lenient");
      try (Supervisor fallingBack = supervisor(session, 3, lenient, prefix, RestorePolicy.LatestVerified)) {
        AgentClient agent = new AgentClient(fallingBack);
        await().atMost(WAIT).until(() -> agent.status("/readyz") == 200);
        RestoreRecord record = operator.restore(session, 3).orElseThrow();
        assertThat(record.fallback()).isTrue();
        assertThat(record.sequence()).isEqualTo(1);
        assertThat(record.reason()).startsWith("DigestMismatch: sequence 2");
        assertThat(record.source()).isEqualTo(RestoreRecord.OBJECT_STORE);
      }
    }
  }
}
