package dev.tether.testbed.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.api.model.storage.VolumeAttachment;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VolumesIT extends SimulationTestBase {

  @Test
  void provisionsAndBindsClaimsOfTheDefaultClassOnly() {
    PersistentVolumeClaim claim = createClaim("data", null, "ReadWriteOnce");
    createClaim("elsewhere", "fast-ssd", "ReadWriteOnce");

    eventually().until(() -> "Bound".equals(claimPhase("data")));
    PersistentVolumeClaim bound = client.persistentVolumeClaims().inNamespace(ns).withName("data").get();
    String pvName = "pvc-" + claim.getMetadata().getUid();
    assertThat(bound.getSpec().getVolumeName()).isEqualTo(pvName);
    assertThat(bound.getStatus().getCapacity()).containsEntry("storage", new Quantity("1Gi"));
    var pv = client.persistentVolumes().withName(pvName).get();
    assertThat(pv.getStatus().getPhase()).isEqualTo("Bound");
    assertThat(pv.getSpec().getClaimRef().getName()).isEqualTo("data");
    assertThat(pv.getSpec().getHostPath().getPath()).isEqualTo(cluster.volumeDir(ns, "data").toString());
    assertThat(cluster.volumeDir(ns, "data")).isDirectory();
    assertThat(client.storage().v1().storageClasses().withName("standard").get().getProvisioner())
        .isEqualTo("tether.dev/simulated");

    await().during(Duration.ofSeconds(2)).atMost(TIMEOUT).until(() -> "Pending".equals(claimPhase("elsewhere")));

    client.persistentVolumeClaims().inNamespace(ns).withName("data").delete();
    eventually().until(() -> client.persistentVolumeClaims().inNamespace(ns).withName("data").get() == null
        && client.persistentVolumes().withName(pvName).get() == null);
    assertThat(Files.exists(cluster.volumeDir(ns, "data"))).isFalse();
  }

  @Test
  void aReadWriteOnceVolumeStaysAttachedToACrashedNodeUntilItIsOutOfService() throws Exception {
    String a = nodeName("a");
    String b = nodeName("b");
    SimulatedNode nodeA = cluster.addNode(a, Map.of("pool", "a"));
    cluster.addNode(b, Map.of("pool", "b"));
    createClaim("data", null, "ReadWriteOnce");
    client.pods().inNamespace(ns).resource(podWithClaim("first", "a", "data")).create();
    eventually().until(() -> isRunningAndReady(pod("first")));
    String pvName = client.persistentVolumeClaims().inNamespace(ns).withName("data").get().getSpec().getVolumeName();

    VolumeAttachment onA = attachment(pvName, a);
    assertThat(onA.getSpec().getAttacher()).isEqualTo("simulated.tether.dev");
    assertThat(onA.getSpec().getNodeName()).isEqualTo(a);
    assertThat(onA.getStatus().getAttached()).isTrue();
    assertThat(runtime.pod(ns, "first").volumeDirs).containsEntry("data", cluster.volumeDir(ns, "data"));
    Files.writeString(cluster.volumeDir(ns, "data").resolve("state"), "checkpoint");

    nodeA.crash();
    client.pods().inNamespace(ns).withName("first").withGracePeriod(0).delete();
    client.pods().inNamespace(ns).resource(podWithClaim("second", "b", "data")).create();
    eventually().until(() -> b.equals(nodeOf("second")));
    await().during(Duration.ofSeconds(3)).atMost(TIMEOUT)
        .until(() -> attachment(pvName, a) != null && "Pending".equals(phase("second")));
    assertThat(attachment(pvName, b)).as("no multi-attach of a ReadWriteOnce volume").isNull();

    client.nodes().withName(a).edit(n -> {
      List<io.fabric8.kubernetes.api.model.Taint> taints = new ArrayList<>();
      taints.add(new TaintBuilder().withKey("node.kubernetes.io/out-of-service").withValue("nodeshutdown")
          .withEffect("NoExecute").build());
      n.getSpec().setTaints(taints);
      return n;
    });

    eventually().until(() -> attachment(pvName, a) == null);
    eventually().until(() -> isRunningAndReady(pod("second")));
    assertThat(attachment(pvName, b).getStatus().getAttached()).isTrue();
    assertThat(Files.readString(runtime.pod(ns, "second").volumeDirs.get("data").resolve("state")))
        .isEqualTo("checkpoint");
  }

  @Test
  void aHealthyNodeDetachesWhenThePodGoesAndReadWriteManyNeedsNoAttachment() {
    String a = nodeName("a");
    cluster.addNode(a, Map.of("pool", "a"));
    createClaim("rwo", null, "ReadWriteOnce");
    createClaim("shared", null, "ReadWriteMany");
    client.pods().inNamespace(ns).resource(podWithClaim("p", "a", "rwo", "shared")).create();
    eventually().until(() -> isRunningAndReady(pod("p")));
    String rwo = client.persistentVolumeClaims().inNamespace(ns).withName("rwo").get().getSpec().getVolumeName();
    String shared = client.persistentVolumeClaims().inNamespace(ns).withName("shared").get().getSpec().getVolumeName();
    assertThat(attachment(rwo, a)).isNotNull();
    assertThat(attachment(shared, a)).isNull();

    client.pods().inNamespace(ns).withName("p").delete();

    eventually().until(() -> pod("p") == null && attachment(rwo, a) == null);
  }

  @Test
  void forceDetachesAfterTheUnmountTimeout() {
    cluster.close();
    cluster = SimulatedCluster.start(client, root, options().withForceDetachAfter(Duration.ofSeconds(2)));
    String a = nodeName("a");
    SimulatedNode node = cluster.addNode(a, Map.of("pool", "a"));
    createClaim("data", null, "ReadWriteOnce");
    client.pods().inNamespace(ns).resource(podWithClaim("p", "a", "data")).create();
    eventually().until(() -> isRunningAndReady(pod("p")));
    String pvName = client.persistentVolumeClaims().inNamespace(ns).withName("data").get().getSpec().getVolumeName();

    node.crash();
    client.pods().inNamespace(ns).withName("p").withGracePeriod(0).delete();

    eventually().until(() -> attachment(pvName, a) == null);
  }

  @Test
  void aNodeLocalVolumeIsMadeOnTheFirstPodsNodeAndNeverMountedElsewhere() {
    String a = nodeName("a");
    String b = nodeName("b");
    cluster.addNode(a, Map.of("pool", "local"));
    createClaim("data", Volumes.NODE_LOCAL_CLASS, "ReadWriteOnce");
    await().during(Duration.ofSeconds(1)).atMost(TIMEOUT).until(() -> "Pending".equals(claimPhase("data")));
    client.pods().inNamespace(ns).resource(podWithClaim("first", "local", "data")).create();
    eventually().until(() -> isRunningAndReady(pod("first")));
    PersistentVolumeClaim bound = client.persistentVolumeClaims().inNamespace(ns).withName("data").get();
    assertThat(bound.getMetadata().getAnnotations()).containsEntry("volume.kubernetes.io/selected-node", a);
    var pv = client.persistentVolumes().withName(bound.getSpec().getVolumeName()).get();
    assertThat(pv.getSpec().getNodeAffinity().getRequired().getNodeSelectorTerms().get(0).getMatchExpressions().get(0)
        .getValues()).containsExactly(a);
    assertThat(attachment(pv.getMetadata().getName(), a)).as("a local volume is not attached").isNull();

    cluster.addNode(b, Map.of("pool", "local"));
    client.nodes().withName(a).edit(n -> {
      n.getSpec().setUnschedulable(true); // drained: the volume's only node takes no new pod
      return n;
    });
    client.pods().inNamespace(ns).withName("first").withGracePeriod(0).delete();
    client.pods().inNamespace(ns).resource(podWithClaim("second", "local", "data")).create();
    eventually().untilAsserted(() -> assertThat(condition(pod("second"), "PodScheduled").map(c -> c.getMessage())
        .orElse("")).contains("1 node(s) had volume node affinity conflict, 1 node(s) were unschedulable"));
    assertThat(nodeOf("second")).isNull();
  }

  private PersistentVolumeClaim createClaim(String name, String storageClass, String accessMode) {
    return client.persistentVolumeClaims().inNamespace(ns).resource(new PersistentVolumeClaimBuilder()
        .withNewMetadata().withName(name).endMetadata()
        .withNewSpec()
          .withStorageClassName(storageClass)
          .withAccessModes(accessMode)
          .withNewResources().addToRequests("storage", new Quantity("1Gi")).endResources()
        .endSpec()
        .build()).create();
  }

  private io.fabric8.kubernetes.api.model.Pod podWithClaim(String name, String pool, String... claims) {
    var builder = podBuilder(name, Map.of("pool", pool));
    for (String claim : claims) {
      builder.editSpec()
          .addNewVolume().withName(claim).withNewPersistentVolumeClaim().withClaimName(claim).endPersistentVolumeClaim()
          .endVolume()
          .endSpec();
    }
    return builder.build();
  }

  private VolumeAttachment attachment(String pvName, String nodeName) {
    return client.storage().v1().volumeAttachments().withName(Volumes.attachmentName(pvName, nodeName)).get();
  }

  private String claimPhase(String name) {
    PersistentVolumeClaim claim = client.persistentVolumeClaims().inNamespace(ns).withName(name).get();
    return claim == null || claim.getStatus() == null ? null : claim.getStatus().getPhase();
  }
}
