package dev.tether.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tether.api.Tether;
import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.CheckpointSpec.ReclaimPolicy;
import dev.tether.api.v1alpha1.SessionPhase;
import dev.tether.operator.status.Conditions;
import dev.tether.testbed.sim.SimulatedNode;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** AgentSession into pod + volume + service on a real apiserver with simulated nodes. */
class ReconcileIT {
  final OperatorTestBed bed = OperatorTestBed.get();
  String ns;
  String pool;
  SimulatedNode node;

  @BeforeEach
  void setUp() {
    ns = bed.newNamespace();
    pool = bed.newPool();
    node = bed.addNode(pool, "a");
  }

  @Test
  void runsTheSessionWithVolumeServiceAndIdentity() {
    bed.create(bed.session(ns, "alpha", pool));
    AgentSession s = bed.awaitRunning(ns, "alpha", 1);

    assertThat(s.getStatus().getPodName()).isEqualTo("alpha-1");
    assertThat(s.getStatus().getNodeName()).isEqualTo(node.name());
    assertThat(s.getStatus().getObservedGeneration()).isEqualTo(s.getMetadata().getGeneration());
    assertThat(Conditions.isTrue(s.getStatus().getConditions(), Conditions.READY)).isTrue();
    assertThat(Conditions.isTrue(s.getStatus().getConditions(), Conditions.DEGRADED)).isFalse();
    Pod pod = bed.client().pods().inNamespace(ns).withName("alpha-1").get();
    var env = pod.getSpec().getContainers().get(0).getEnv();
    assertThat(env).anySatisfy(e -> {
      assertThat(e.getName()).isEqualTo(Tether.ENV_EPOCH);
      assertThat(e.getValue()).isEqualTo("1");
    });
    assertThat(pod.getSpec().getContainers().get(0).getVolumeMounts())
        .anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/var/lib/tether/checkpoints"));
    assertThat(pod.getSpec().getVolumes()).anySatisfy(v ->
        assertThat(v.getPersistentVolumeClaim().getClaimName()).isEqualTo("alpha-checkpoints"));
    assertThat(pod.getSpec().getHostname()).isEqualTo("alpha");
    assertThat(bed.client().persistentVolumeClaims().inNamespace(ns).withName("alpha-checkpoints").get()
        .getStatus().getPhase()).isEqualTo("Bound");
    assertThat(bed.client().services().inNamespace(ns).withName("alpha").get().getSpec().getClusterIP())
        .isEqualTo("None");
    // The test-bed apiserver is v1.20: policy/v1beta1 only.
    var budget = bed.client().policy().v1beta1().podDisruptionBudget().inNamespace(ns).withName("alpha").get();
    assertThat(budget.getSpec().getMaxUnavailable().getIntVal()).isZero();
    assertThat(bed.client().pods().inNamespace(ns).withName("alpha-1").evict())
        .as("an eviction (kubectl drain) is refused").isFalse();
    assertThat(bed.client().pods().inNamespace(ns).withName("alpha-1").get().getMetadata().getDeletionTimestamp())
        .isNull();
  }

  /** The Service and the budget are compared field by field (their caches keep no managedFields): edits are undone. */
  @Test
  void anEditedServiceOrBudgetIsPutBack() {
    bed.create(bed.session(ns, "drift", pool));
    bed.awaitRunning(ns, "drift", 1);
    var service = bed.client().services().inNamespace(ns).withName("drift");
    var budget = bed.client().policy().v1beta1().podDisruptionBudget().inNamespace(ns).withName("drift");
    service.edit(x -> {
      x.getSpec().getSelector().put(Tether.LABEL_SESSION, "someone-else");
      return x;
    });
    budget.edit(x -> {
      x.getSpec().setMaxUnavailable(new io.fabric8.kubernetes.api.model.IntOrString(1));
      return x;
    });

    await().atMost(OperatorTestBed.TIMEOUT).until(() -> "drift".equals(service.get().getSpec().getSelector()
        .get(Tether.LABEL_SESSION)) && budget.get().getSpec().getMaxUnavailable().getIntVal() == 0);
  }

  @Test
  void aSecondReconcileOfAnUnchangedSessionWritesNothing() {
    bed.create(bed.session(ns, "idle", pool));
    bed.awaitRunning(ns, "idle", 1);
    String sessionVersion = bed.get(ns, "idle").getMetadata().getResourceVersion();
    String pvcVersion = bed.client().persistentVolumeClaims().inNamespace(ns).withName("idle-checkpoints").get()
        .getMetadata().getResourceVersion();
    String svcVersion = bed.client().services().inNamespace(ns).withName("idle").get().getMetadata().getResourceVersion();
    String budgetVersion = bed.client().policy().v1beta1().podDisruptionBudget().inNamespace(ns).withName("idle").get()
        .getMetadata().getResourceVersion();

    // Pod events wake the operator (metadata-only session edits do not: JOSDK is generation aware).
    String[] podVersion = new String[1];
    for (String value : new String[] {"one", "two"}) {
      bed.awaitAnotherReconcile(ns, "idle", () -> podVersion[0] = bed.client().pods().inNamespace(ns)
          .withName("idle-1").edit(p -> {
            p.getMetadata().getLabels().put("touched", value);
            return p;
          }).getMetadata().getResourceVersion());
    }

    assertThat(bed.get(ns, "idle").getMetadata().getResourceVersion()).as("no status write").isEqualTo(sessionVersion);
    assertThat(bed.client().pods().inNamespace(ns).withName("idle-1").get().getMetadata().getResourceVersion())
        .as("no pod write").isEqualTo(podVersion[0]);
    assertThat(bed.client().persistentVolumeClaims().inNamespace(ns).withName("idle-checkpoints").get()
        .getMetadata().getResourceVersion()).as("no PVC write").isEqualTo(pvcVersion);
    assertThat(bed.client().services().inNamespace(ns).withName("idle").get().getMetadata().getResourceVersion())
        .as("no Service write").isEqualTo(svcVersion);
    assertThat(bed.client().policy().v1beta1().podDisruptionBudget().inNamespace(ns).withName("idle").get()
        .getMetadata().getResourceVersion()).as("no budget write").isEqualTo(budgetVersion);
  }

  @Test
  void aDeletedPodIsReplacedWithTheNextEpoch() {
    bed.create(bed.session(ns, "beta", pool));
    bed.awaitRunning(ns, "beta", 1);
    bed.client().pods().inNamespace(ns).withName("beta-1").delete();

    AgentSession s = bed.awaitRunning(ns, "beta", 2);
    assertThat(s.getStatus().getPodName()).isEqualTo("beta-2");
    assertThat(s.getStatus().getMigrations()).singleElement()
        .satisfies(m -> assertThat(m.getReason()).isEqualTo("PodDeleted"));
    assertThat(bed.pods(ns, "beta")).extracting(p -> p.getMetadata().getName()).containsExactly("beta-2");
  }

  /** A pod removed before it reached a node is another start, not a migration (nothing of it ran). */
  @Test
  void aPodGoneBeforeItReachedANodeIsStartedAgainWithoutAMigration() {
    String empty = bed.newPool();
    bed.create(bed.session(ns, "early", empty));
    await().atMost(OperatorTestBed.TIMEOUT).until(() -> bed.client().pods().inNamespace(ns).withName("early-1").get() != null);
    bed.client().pods().inNamespace(ns).withName("early-1").withGracePeriod(0).delete();

    AgentSession started = bed.awaitSession(ns, "early", s -> s.getStatus() != null && s.getStatus().getEpoch() == 2);
    assertThat(started.getStatus().getMigration()).isNull();
    assertThat(started.getStatus().getMigrations()).isNullOrEmpty();
    assertThat(started.getStatus().getPhase()).isEqualTo(SessionPhase.Pending);
    await().atMost(OperatorTestBed.TIMEOUT).until(() -> bed.client().v1().events().inNamespace(ns).list().getItems()
        .stream().anyMatch(e -> "StartedAgain".equals(e.getReason()) && "Normal".equals(e.getType())
            && e.getMessage().contains("early-1") && e.getMessage().contains("incarnation 2")));
    assertThat(bed.client().v1().events().inNamespace(ns).list().getItems())
        .noneMatch(e -> "PodDeleted".equals(e.getReason()));

    bed.addNode(empty, "late");
    AgentSession s = bed.awaitRunning(ns, "early", 2);
    assertThat(s.getStatus().getMigrations()).isNullOrEmpty();
    assertThat(bed.pods(ns, "early")).extracting(p -> p.getMetadata().getName()).containsExactly("early-2");
  }

  @Test
  void anEvictedPodIsReplacedWithTheNextEpoch() {
    bed.create(bed.session(ns, "gamma", pool));
    bed.awaitRunning(ns, "gamma", 1);
    node.evict(ns, "gamma-1");

    AgentSession s = bed.awaitRunning(ns, "gamma", 2);
    assertThat(s.getStatus().getMigrations()).singleElement()
        .satisfies(m -> assertThat(m.getReason()).isEqualTo("Evicted"));
    assertThat(bed.pods(ns, "gamma")).extracting(p -> p.getMetadata().getName()).containsExactly("gamma-2");
  }

  @Test
  void anAgentThatExitsZeroFinishesTheSession() {
    bed.create(bed.session(ns, "done", pool));
    bed.awaitRunning(ns, "done", 1);
    node.completePod(ns, "done-1", 0);

    AgentSession s = bed.awaitPhase(ns, "done", SessionPhase.Succeeded);
    assertThat(s.getStatus().getEpoch()).isEqualTo(1);
    assertThat(bed.pods(ns, "done")).extracting(p -> p.getMetadata().getName()).containsExactly("done-1");
  }

  @Test
  void suspendRemovesThePodKeepsTheVolumeAndResumeStartsTheNextEpoch() {
    bed.create(bed.session(ns, "nap", pool));
    bed.awaitRunning(ns, "nap", 1);
    setSuspend("nap", true);

    bed.awaitPhase(ns, "nap", SessionPhase.Suspended);
    await().atMost(OperatorTestBed.TIMEOUT).until(() -> bed.pods(ns, "nap").isEmpty());
    assertThat(bed.client().persistentVolumeClaims().inNamespace(ns).withName("nap-checkpoints").get()).isNotNull();

    setSuspend("nap", false);
    AgentSession s = bed.awaitRunning(ns, "nap", 2);
    assertThat(s.getStatus().getPodName()).isEqualTo("nap-2");
  }

  /** A pod of an older incarnation that an interrupted pass left behind is removed, the current one kept. */
  @Test
  void aStrayPodOfAnOlderIncarnationIsRemoved() {
    bed.create(bed.session(ns, "tidy", pool));
    bed.awaitRunning(ns, "tidy", 1);
    setSuspend("tidy", true);
    bed.awaitPhase(ns, "tidy", SessionPhase.Suspended);
    setSuspend("tidy", false);
    Pod current = bed.client().pods().inNamespace(ns).withName(bed.awaitRunning(ns, "tidy", 2).getStatus()
        .getPodName()).get();

    Pod stray = new io.fabric8.kubernetes.api.model.PodBuilder(current).editMetadata().withName("tidy-1")
        .withResourceVersion(null).withUid(null).withCreationTimestamp(null).addToLabels(Tether.LABEL_EPOCH, "1")
        .endMetadata().withStatus(null).build();
    bed.client().pods().inNamespace(ns).resource(stray).create();

    await().atMost(OperatorTestBed.TIMEOUT).until(() -> {
      Pod p = bed.client().pods().inNamespace(ns).withName("tidy-1").get();
      return p == null || p.getMetadata().getDeletionTimestamp() != null;
    });
    await().atMost(OperatorTestBed.TIMEOUT).until(() -> bed.client().v1().events().inNamespace(ns).list().getItems()
        .stream().anyMatch(e -> "StrayRemoved".equals(e.getReason())));
    AgentSession s = bed.get(ns, "tidy");
    assertThat(s.getStatus().getEpoch()).isEqualTo(2);
    assertThat(s.getStatus().getMigrationCount()).isZero();
    assertThat(bed.client().pods().inNamespace(ns).withName(current.getMetadata().getName()).get()
        .getMetadata().getDeletionTimestamp()).isNull();
  }

  /** No checkpoint for idleTimeout: the operator suspends the session the way a user would, and it resumes. */
  @Test
  void anIdleSessionIsSuspendedAndResumesLikeAnyOther() {
    AgentSession s = bed.session(ns, "idle", pool);
    s.getSpec().getLifecycle().setIdleTimeout("3s");
    bed.create(s);
    bed.awaitRunning(ns, "idle", 1);

    AgentSession suspended = bed.awaitPhase(ns, "idle", SessionPhase.Suspended);
    assertThat(suspended.getSpec().isSuspend()).isTrue();
    await().atMost(OperatorTestBed.TIMEOUT).until(() -> bed.pods(ns, "idle").isEmpty());
    await().atMost(OperatorTestBed.TIMEOUT).until(() -> bed.client().v1().events().inNamespace(ns).list().getItems()
        .stream().anyMatch(e -> "IdleSuspended".equals(e.getReason())));
    assertThat(bed.client().persistentVolumeClaims().inNamespace(ns).withName("idle-checkpoints").get()).isNotNull();

    bed.client().resources(AgentSession.class).inNamespace(ns).withName("idle").edit(x -> {
      x.getSpec().getLifecycle().setIdleTimeout(null);
      x.getSpec().setSuspend(false);
      return x;
    });
    bed.awaitRunning(ns, "idle", 2);
  }

  /** ttlAfterFinished: a Succeeded session goes once it has passed (Delete), or keeps only its volume (Suspend). */
  @Test
  void aFinishedSessionExpiresAfterItsTtl() {
    AgentSession gone = bed.session(ns, "gone", pool);
    gone.getSpec().getLifecycle().setTtlAfterFinished("2s");
    AgentSession kept = bed.session(ns, "kept", pool);
    kept.getSpec().getLifecycle().setTtlAfterFinished("2s");
    kept.getSpec().getLifecycle().setAfterFinished(dev.tether.api.v1alpha1.LifecycleSpec.AfterFinished.Suspend);
    bed.create(gone);
    bed.create(kept);
    bed.awaitRunning(ns, "gone", 1);
    bed.awaitRunning(ns, "kept", 1);
    node.completePod(ns, "gone-1", 0);
    node.completePod(ns, "kept-1", 0);

    await().atMost(OperatorTestBed.TIMEOUT).until(() -> bed.get(ns, "gone") == null);
    AgentSession suspended = bed.awaitPhase(ns, "kept", SessionPhase.Suspended);
    assertThat(suspended.getSpec().isSuspend()).isTrue();
    await().atMost(OperatorTestBed.TIMEOUT).until(() -> bed.pods(ns, "kept").isEmpty());
    assertThat(bed.client().persistentVolumeClaims().inNamespace(ns).withName("kept-checkpoints").get()).isNotNull();
    await().atMost(OperatorTestBed.TIMEOUT).until(() -> bed.client().v1().events().inNamespace(ns).list().getItems()
        .stream().filter(e -> "Expired".equals(e.getReason())).count() >= 2);
  }

  @Test
  void invalidSpecIsReportedWithoutAPodAndFixingItRecovers() {
    AgentSession s = bed.session(ns, "bad", pool);
    s.getSpec().getTemplate().getSpec().getContainers().get(0).setVolumeMounts(List.of(
        new VolumeMountBuilder().withName("scratch").withMountPath("/var/lib/tether").build()));
    s.getSpec().getTemplate().getSpec().setVolumes(List.of(
        new VolumeBuilder().withName("scratch").withNewEmptyDir().endEmptyDir().build()));
    bed.create(s);

    AgentSession reported = bed.awaitSession(ns, "bad", x -> Conditions.find(x.getStatus().getConditions(),
        Conditions.READY).map(c -> "InvalidSpec".equals(c.getReason())).orElse(false));
    assertThat(Conditions.find(reported.getStatus().getConditions(), Conditions.READY).get().getMessage())
        .contains("clashes with volumeMount 'scratch'");
    assertThat(bed.pods(ns, "bad")).isEmpty();
    assertThat(bed.client().persistentVolumeClaims().inNamespace(ns).withName("bad-checkpoints").get()).isNull();
    await().atMost(OperatorTestBed.TIMEOUT).until(() -> bed.client().v1().events().inNamespace(ns).list().getItems()
        .stream().anyMatch(e -> "InvalidSpec".equals(e.getReason()) && "Warning".equals(e.getType())));

    bed.client().resources(AgentSession.class).inNamespace(ns).withName("bad").edit(x -> {
      x.getSpec().getCheckpoint().setMountPath("/checkpoints");
      return x;
    });
    bed.awaitRunning(ns, "bad", 1);
  }

  @Test
  void aTimingOutsideTheAdminsRangeIsRefusedWithTheRangeAndNothingRuns() {
    // The test bed's operator default is 4 s, so that is its floor; 1 s would call a healthy node dead.
    AgentSession s = bed.session(ns, "twitchy", pool);
    s.getSpec().getFailover().setDetectionTimeout("1s");
    s.getSpec().getFailover().setDrainCheckpointTimeout("11m");
    bed.create(s);

    AgentSession reported = bed.awaitSession(ns, "twitchy", x -> Conditions.find(x.getStatus().getConditions(),
        Conditions.READY).map(c -> "InvalidSpec".equals(c.getReason())).orElse(false));
    assertThat(Conditions.find(reported.getStatus().getConditions(), Conditions.READY).get().getMessage())
        .isEqualTo("spec.failover.detectionTimeout 1s is outside what this cluster allows (4s to 10m); "
            + "spec.failover.drainCheckpointTimeout 11m is outside what this cluster allows (0s to 10m)");
    assertThat(bed.pods(ns, "twitchy")).isEmpty();

    bed.client().resources(AgentSession.class).inNamespace(ns).withName("twitchy").edit(x -> {
      x.getSpec().getFailover().setDetectionTimeout("5s");
      x.getSpec().getFailover().setDrainCheckpointTimeout("1m");
      return x;
    });
    bed.awaitRunning(ns, "twitchy", 1);
  }

  @Test
  void theSchemaRejectsWhatItCanExpress() {
    AgentSession noTemplate = Sessions.agent(ns, "x");
    noTemplate.getSpec().setTemplate(null);
    assertThatThrownBy(() -> bed.create(noTemplate)).isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining("spec.template");

    AgentSession zeroRetain = Sessions.agent(ns, "y");
    zeroRetain.getSpec().getCheckpoint().setRetain(0);
    assertThatThrownBy(() -> bed.create(zeroRetain)).hasMessageContaining("spec.checkpoint.retain");

    AgentSession badTimeout = Sessions.agent(ns, "z");
    badTimeout.getSpec().getFailover().setDetectionTimeout("soon");
    assertThatThrownBy(() -> bed.create(badTimeout)).hasMessageContaining("spec.failover.detectionTimeout");

    // Digits that would overflow a clock: the detector adds the timeout to every heartbeat it judges.
    AgentSession endOfTime = Sessions.agent(ns, "v");
    endOfTime.getSpec().getFailover().setDetectionTimeout("9000000000000h");
    assertThatThrownBy(() -> bed.create(endOfTime)).hasMessageContaining("spec.failover.detectionTimeout");

    AgentSession relativeMount = Sessions.agent(ns, "w");
    relativeMount.getSpec().getCheckpoint().setMountPath("data");
    assertThatThrownBy(() -> bed.create(relativeMount)).hasMessageContaining("spec.checkpoint.mountPath");
  }

  @Test
  void deletionHonoursTheReclaimPolicy() {
    AgentSession keep = bed.session(ns, "keep", pool);
    AgentSession drop = bed.session(ns, "drop", pool);
    drop.getSpec().getCheckpoint().setReclaimPolicy(ReclaimPolicy.Delete);
    bed.create(keep);
    bed.create(drop);
    bed.awaitRunning(ns, "keep", 1);
    bed.awaitRunning(ns, "drop", 1);

    bed.client().resources(AgentSession.class).inNamespace(ns).withName("keep").delete();
    bed.client().resources(AgentSession.class).inNamespace(ns).withName("drop").delete();

    await().atMost(OperatorTestBed.TIMEOUT).until(() -> bed.get(ns, "keep") == null && bed.get(ns, "drop") == null);
    await().atMost(OperatorTestBed.TIMEOUT).until(() -> bed.pods(ns, "keep").isEmpty() && bed.pods(ns, "drop").isEmpty());
    var kept = bed.client().persistentVolumeClaims().inNamespace(ns).withName("keep-checkpoints").get();
    assertThat(kept).isNotNull();
    assertThat(kept.getMetadata().getOwnerReferences()).isEmpty();
    await().atMost(OperatorTestBed.TIMEOUT).until(() ->
        bed.client().persistentVolumeClaims().inNamespace(ns).withName("drop-checkpoints").get() == null);

    // A new session of the same name takes the retained volume over, and owns it.
    AgentSession again = bed.create(bed.session(ns, "keep", pool));
    bed.awaitRunning(ns, "keep", 1);
    assertThat(bed.client().persistentVolumeClaims().inNamespace(ns).withName("keep-checkpoints").get()
        .getMetadata().getOwnerReferences()).extracting(OwnerReference::getUid)
        .containsExactly(bed.get(ns, "keep").getMetadata().getUid());
    assertThat(again).isNotNull();
  }

  /** A pod that happens to have an incarnation's name is not taken for it; the next epoch gets another name. */
  @Test
  void aForeignPodWithAnIncarnationsNameIsNeverAdopted() {
    Pod theirs = bed.client().pods().inNamespace(ns).resource(new io.fabric8.kubernetes.api.model.PodBuilder()
        .withNewMetadata().withName("web-1").endMetadata()
        .withNewSpec().withNodeName("nowhere").addNewContainer().withName("web").withImage("example.org/web:1")
        .endContainer().endSpec().build()).create();
    bed.create(bed.session(ns, "web", pool));

    AgentSession refused = bed.awaitSession(ns, "web", x -> Conditions.find(x.getStatus().getConditions(),
        Conditions.READY).map(c -> "PodRejected".equals(c.getReason())).orElse(false));
    assertThat(Conditions.find(refused.getStatus().getConditions(), Conditions.READY).get().getMessage())
        .startsWith("a pod named web-1 already exists in namespace " + ns + " and does not belong to this session");
    assertThat(refused.getStatus().getPhase()).isNotEqualTo(SessionPhase.Running);

    bed.client().resources(AgentSession.class).inNamespace(ns).withName("web").edit(x -> {
      x.getSpec().getFailover().setMaxMigrations(6);
      return x;
    });
    AgentSession running = bed.awaitRunning(ns, "web", 2);
    assertThat(running.getStatus().getPodName()).isEqualTo("web-2");
    Pod after = bed.client().pods().inNamespace(ns).withName("web-1").get();
    assertThat(after.getMetadata().getResourceVersion()).isEqualTo(theirs.getMetadata().getResourceVersion());
    assertThat(after.getMetadata().getOwnerReferences()).isNullOrEmpty();
  }

  /**
   * A user who may create sessions must not take over another app's Service, PDB or volume by naming a session
   * after it: the session is refused, and the other object is neither changed nor deleted with the session.
   */
  @Test
  void aSessionNamedAfterSomebodyElsesServiceIsRefusedAndTheServiceIsLeftAlone() {
    Service theirs = bed.client().services().inNamespace(ns).resource(new ServiceBuilder()
        .withNewMetadata().withName("kafka-headless").withLabels(Map.of("app", "kafka")).endMetadata()
        .withNewSpec().withClusterIP("None").withSelector(Map.of("app", "kafka")).endSpec().build()).create();
    PersistentVolumeClaim data = bed.client().persistentVolumeClaims().inNamespace(ns).resource(
        new PersistentVolumeClaimBuilder().withNewMetadata().withName("trainer-checkpoints").endMetadata()
            .withNewSpec().withAccessModes("ReadWriteOnce").withNewResources()
            .withRequests(Map.of("storage", new Quantity("1Gi"))).endResources().endSpec().build()).create();

    bed.create(bed.session(ns, "kafka-headless", pool));
    bed.create(bed.session(ns, "trainer", pool));

    AgentSession refused = bed.awaitSession(ns, "kafka-headless", x -> Conditions.find(x.getStatus().getConditions(),
        Conditions.READY).map(c -> "NameConflict".equals(c.getReason())).orElse(false));
    assertThat(Conditions.find(refused.getStatus().getConditions(), Conditions.READY).get().getMessage())
        .isEqualTo("a Service named kafka-headless already exists in namespace " + ns + " and does not belong to "
            + "this session: rename the session, or remove that Service if it is a leftover");
    AgentSession trainer = bed.awaitSession(ns, "trainer", x -> Conditions.find(x.getStatus().getConditions(),
        Conditions.READY).map(c -> "NameConflict".equals(c.getReason())).orElse(false));
    assertThat(Conditions.find(trainer.getStatus().getConditions(), Conditions.READY).get().getMessage())
        .contains("a PersistentVolumeClaim named trainer-checkpoints");
    await().atMost(OperatorTestBed.TIMEOUT).until(() -> bed.client().v1().events().inNamespace(ns).list().getItems()
        .stream().anyMatch(e -> "NameConflict".equals(e.getReason()) && "Warning".equals(e.getType())));
    assertThat(bed.pods(ns, "kafka-headless")).isEmpty();
    assertThat(bed.pods(ns, "trainer")).isEmpty();

    bed.client().resources(AgentSession.class).inNamespace(ns).withName("kafka-headless").delete();
    bed.client().resources(AgentSession.class).inNamespace(ns).withName("trainer").delete();
    await().atMost(OperatorTestBed.TIMEOUT).until(() -> bed.get(ns, "kafka-headless") == null
        && bed.get(ns, "trainer") == null);

    Service after = bed.client().services().inNamespace(ns).withName("kafka-headless").get();
    assertThat(after.getSpec().getSelector()).isEqualTo(Map.of("app", "kafka"));
    assertThat(after.getMetadata().getResourceVersion()).isEqualTo(theirs.getMetadata().getResourceVersion());
    PersistentVolumeClaim dataAfter = bed.client().persistentVolumeClaims().inNamespace(ns)
        .withName("trainer-checkpoints").get();
    assertThat(dataAfter.getMetadata().getOwnerReferences()).isEmpty();
    assertThat(dataAfter.getMetadata().getLabels()).as("not labelled by the operator").isNullOrEmpty();
    assertThat(dataAfter.getMetadata().getUid()).isEqualTo(data.getMetadata().getUid());
  }

  private void setSuspend(String name, boolean suspend) {
    bed.client().resources(AgentSession.class).inNamespace(ns).withName(name).edit(s -> {
      s.getSpec().setSuspend(suspend);
      return s;
    });
  }
}
