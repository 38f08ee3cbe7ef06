package dev.tether.testbed.real;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** The real nodes themselves: pods run in containers, reach the apiserver by Service IP, and fail for real. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RealClusterIT {
  private static final Duration POD_TIMEOUT = Duration.ofMinutes(2);
  private static RealCluster cluster;
  private static KubernetesClient client;
  private static String namespace;
  private static RealNode worker;

  @BeforeAll
  static void start() {
    Optional<String> unavailable = RealCluster.unavailableReason();
    if (unavailable.isPresent()) {
      String message = "RealClusterIT: real nodes unavailable: " + unavailable.get();
      assertThat(RealCluster.required()).as(message + " (TETHER_REQUIRE_REAL_NODES=true)").isFalse();
      System.out.println(message + " (skipped)");
    }
    assumeTrue(unavailable.isEmpty(), () -> "real nodes unavailable: " + unavailable.get());
    cluster = RealCluster.start(2);
    client = cluster.client();
    namespace = cluster.createNamespace("testbed");
    worker = cluster.nodes().get(1);
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @Order(1)
  void aPodRunsRestrictedOnASharedVolumeAndReachesTheApiServerThroughItsService() {
    client.persistentVolumeClaims().inNamespace(namespace).resource(new io.fabric8.kubernetes.api.model
        .PersistentVolumeClaimBuilder().withNewMetadata().withName("data").endMetadata()
        .withNewSpec().withAccessModes("ReadWriteOnce")
          .withNewResources().addToRequests("storage", new io.fabric8.kubernetes.api.model.Quantity("16Mi"))
          .endResources().endSpec().build()).create();
    Pod pod = shellPod("probe", "echo saved > /data/file && cat /data/file"
        + " && exec 3<>/dev/tcp/10.0.0.1/443 && echo reached-apiserver", "Never");
    pod.getSpec().setSecurityContext(new io.fabric8.kubernetes.api.model.PodSecurityContextBuilder()
        .withFsGroup(65532L).build());
    pod.getSpec().getContainers().get(0).setSecurityContext(new io.fabric8.kubernetes.api.model
        .SecurityContextBuilder().withRunAsUser(65532L).withRunAsNonRoot(true).withReadOnlyRootFilesystem(true)
        .build());
    pod.getSpec().getContainers().get(0).setVolumeMounts(java.util.List.of(
        new io.fabric8.kubernetes.api.model.VolumeMountBuilder().withName("data").withMountPath("/data").build()));
    pod.getSpec().setVolumes(java.util.List.of(new io.fabric8.kubernetes.api.model.VolumeBuilder()
        .withName("data").withNewPersistentVolumeClaim().withClaimName("data").endPersistentVolumeClaim().build()));
    client.pods().inNamespace(namespace).resource(pod).create();

    Pod done = client.pods().inNamespace(namespace).withName("probe")
        .waitUntilCondition(p -> p != null && p.getStatus() != null
            && ("Succeeded".equals(p.getStatus().getPhase()) || "Failed".equals(p.getStatus().getPhase())),
            POD_TIMEOUT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
    String log = client.pods().inNamespace(namespace).withName("probe").getLog();
    assertThat(done.getStatus().getPhase()).as("pod log: %s", log).isEqualTo("Succeeded");
    assertThat(done.getSpec().getNodeName()).isEqualTo(worker.name());
    assertThat(done.getStatus().getPodIP()).startsWith(worker.podSubnet().substring(0, worker.podSubnet().lastIndexOf('.')));
    assertThat(log).contains("saved").contains("reached-apiserver");
  }

  @Test
  @Order(2)
  void aPartitionCutsTheNodesPodsOffWhileTheyKeepRunningAndHealingReconnectsThem() {
    client.pods().inNamespace(namespace).resource(shellPod("pinger",
        "while true; do if timeout 1 bash -c 'exec 3<>/dev/tcp/10.0.0.1/443'; then echo up; else echo down; fi;"
            + " sleep 0.3; done", "Always")).create();
    client.pods().inNamespace(namespace).withName("pinger").waitUntilReady(POD_TIMEOUT.toSeconds(),
        java.util.concurrent.TimeUnit.SECONDS);
    await().atMost(POD_TIMEOUT).until(() -> cluster.containerLog(namespace, "pinger", "main").contains("up"));
    Lease lease = nodeLease();

    worker.partition();
    try {
      await().atMost(Duration.ofSeconds(30)).until(() -> lastLine(cluster.containerLog(namespace, "pinger", "main"))
          .equals("down"));
      // Silent: the kubelet renews its Lease every 2.5 s; it stays as it was for eight rounds.
      var silentSince = nodeLease().getSpec().getRenewTime();
      await().during(Duration.ofSeconds(20)).atMost(Duration.ofSeconds(25))
          .until(() -> nodeLease().getSpec().getRenewTime().equals(silentSince));
    } finally {
      worker.healNetwork();
      worker.resumeKubelet();
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> lastLine(cluster.containerLog(namespace, "pinger", "main"))
        .equals("up"));
    await().atMost(Duration.ofSeconds(30)).until(() -> nodeLease().getSpec().getRenewTime()
        .isAfter(lease.getSpec().getRenewTime()));
  }

  @Test
  @Order(3)
  void aCrashKillsEveryContainerOfTheNodeAndARestartBringsItBack() {
    Pod sleeper = client.pods().inNamespace(namespace).resource(shellPod("sleeper", "sleep 3600", "Always")).create();
    client.pods().inNamespace(namespace).withName("sleeper").waitUntilReady(POD_TIMEOUT.toSeconds(),
        java.util.concurrent.TimeUnit.SECONDS);
    assertThat(containerProcesses()).isNotEmpty();

    worker.crash();

    assertThat(worker.isKubeletRunning()).isFalse();
    assertThat(containerProcesses()).as("processes left in the node's cgroups").isEmpty();
    worker.restart();
    await().atMost(POD_TIMEOUT).until(() -> client.pods().inNamespace(namespace).withName("sleeper").get()
        .getStatus().getContainerStatuses().get(0).getRestartCount() > 0
        || !sleeper.getMetadata().getUid().equals(client.pods().inNamespace(namespace).withName("sleeper").get()
            .getMetadata().getUid()));
  }

  private java.util.List<String> containerProcesses() {
    java.nio.file.Path root = java.nio.file.Path.of("/sys/fs/cgroup/pids", Kubelet.CGROUP_PREFIX + worker.name());
    try (var files = java.nio.file.Files.walk(root)) {
      return files.filter(f -> f.getFileName().toString().equals("cgroup.procs")).flatMap(f -> {
        try {
          return java.nio.file.Files.readAllLines(f).stream();
        } catch (java.io.IOException e) {
          return java.util.stream.Stream.empty();
        }
      }).filter(s -> !s.isBlank()).toList();
    } catch (java.io.IOException e) {
      return java.util.List.of();
    }
  }

  private Lease nodeLease() {
    return client.leases().inNamespace("kube-node-lease").withName(worker.name()).get();
  }

  private static String lastLine(String text) {
    String[] lines = text.strip().split("\n");
    return lines[lines.length - 1].strip();
  }

  private Pod shellPod(String name, String script, String restartPolicy) {
    return new PodBuilder().withNewMetadata().withName(name).endMetadata()
        .withNewSpec()
          .withNodeSelector(Map.of("kubernetes.io/hostname", worker.name()))
          .withRestartPolicy(restartPolicy)
          .withTerminationGracePeriodSeconds(1L)
          .addNewContainer().withName("main").withImage(ContainerImages.TETHER).withImagePullPolicy("Never")
            .withCommand("bash", "-c", script).endContainer()
        .endSpec().build();
  }
}
