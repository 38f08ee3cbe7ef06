package dev.tether.testbed.real;

import dev.tether.testbed.Binaries;
import dev.tether.testbed.LocalProcess;
import dev.tether.testbed.Ports;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * One node's kubelet (v1.20.2, built by {@code hack/install-control-plane.sh}) on its node address, with a
 * root directory, ports and cgroup root of its own, talking to its own containerd. It serves its API to the
 * apiserver (logs, exec) without authentication: it listens only on the node's address on this machine.
 */
final class Kubelet {
  /** The cgroup v1 hierarchies a kubelet with the cgroupfs driver writes into. */
  private static final List<String> HIERARCHIES =
      List.of("cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids", "systemd");

  /** Cgroup roots of the test bed's kubelets start with this, so leftovers can be found. */
  static final String CGROUP_PREFIX = "tether-testbed-";

  private final String name;
  private final String address;
  private final Path dir;
  private final Path socket;
  private LocalProcess process;
  private boolean paused;

  Kubelet(String name, String address, Path dir, Path socket) {
    this.name = name;
    this.address = address;
    this.dir = dir;
    this.socket = socket;
  }

  /** Starts the kubelet in the node's mount namespace (that of its containerd, see {@link NodeRuntime}). */
  void start(String kubeconfigYaml, List<String> labels, Path mountNamespace) {
    try {
      Files.createDirectories(dir.resolve("kubelet"));
      Files.writeString(dir.resolve("kubelet.kubeconfig"), kubeconfigYaml);
      Files.writeString(dir.resolve("kubelet.yaml"), config());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    createCgroupRoot();
    List<String> command = new java.util.ArrayList<>(List.of(
        // nsenter execs the kubelet: the pid stays the kubelet's, for pause and kill.
        "nsenter", "--mount=" + mountNamespace, "--",
        Binaries.find("kubelet").orElseThrow(() -> new IllegalStateException(
            "kubelet not found: run hack/install-control-plane.sh")).toString(),
        "--config=" + dir.resolve("kubelet.yaml"),
        "--kubeconfig=" + dir.resolve("kubelet.kubeconfig"),
        "--container-runtime=remote",
        "--container-runtime-endpoint=unix://" + socket,
        "--root-dir=" + dir.resolve("kubelet"),
        "--cert-dir=" + dir.resolve("kubelet-pki"),
        "--hostname-override=" + name,
        "--node-ip=" + address,
        "--pod-infra-container-image=" + NodeRuntime.PAUSE_IMAGE,
        "--v=1"));
    if (!labels.isEmpty()) {
      command.add("--node-labels=" + String.join(",", labels));
    }
    process = LocalProcess.start("kubelet " + name, command, dir.resolve("kubelet.log"));
  }

  boolean isRunning() {
    return process != null && process.isAlive();
  }

  /** SIGKILL: the node stops heartbeating; its containers keep running until the runtime goes too. */
  void kill() {
    if (process != null) {
      resume();
      process.kill();
    }
  }

  /** SIGSTOP: alive but silent, as behind a partition. */
  void pause() {
    HostCommand.run("kill", "-STOP", Long.toString(process.pid()));
    paused = true;
  }

  void resume() {
    if (paused) {
      HostCommand.run("kill", "-CONT", Long.toString(process.pid()));
      paused = false;
    }
  }

  void stop() {
    if (process != null) {
      resume();
      process.stop();
    }
  }

  String cgroupRoot() {
    return "/" + cgroupName();
  }

  private String cgroupName() {
    return CGROUP_PREFIX + name;
  }

  /** Kills every process in this node's cgroups: the containers of its pods. */
  void killContainers() {
    killCgroupTree(Path.of("/sys/fs/cgroup/pids", cgroupName()));
  }

  /** SIGKILLs every process in the cgroup tree {@code root} (of the pids hierarchy) until none is left. */
  static void killCgroupTree(Path root) {
    for (int round = 0; round < 20; round++) {
      List<String> pids = cgroupPids(root);
      if (pids.isEmpty()) {
        return;
      }
      for (String pid : pids) {
        HostCommand.attempt("kill", "-9", pid);
      }
    }
  }

  void removeCgroups() {
    for (String hierarchy : HIERARCHIES) {
      Path root = Path.of("/sys/fs/cgroup", hierarchy, cgroupName());
      if (Files.isDirectory(root)) {
        try (var dirs = Files.walk(root)) {
          dirs.sorted(java.util.Comparator.reverseOrder()).forEach(d -> d.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
          // a cgroup still in use stays; the next run removes it
        }
      }
    }
  }

  private static List<String> cgroupPids(Path root) {
    if (!Files.isDirectory(root)) {
      return List.of();
    }
    try (var files = Files.walk(root)) {
      return files.filter(f -> f.getFileName().toString().equals("cgroup.procs"))
          .flatMap(f -> {
            try {
              return Files.readAllLines(f).stream();
            } catch (IOException e) {
              return java.util.stream.Stream.empty();
            }
          })
          .filter(s -> !s.isBlank()).toList();
    } catch (IOException | UncheckedIOException e) {
      return List.of();
    }
  }

  private void createCgroupRoot() {
    for (String hierarchy : HIERARCHIES) {
      Path parent = Path.of("/sys/fs/cgroup", hierarchy);
      if (!Files.isDirectory(parent)) {
        continue;
      }
      Path root = parent.resolve(cgroupName());
      try {
        Files.createDirectories(root);
        if (hierarchy.equals("cpuset")) {
          // A new cpuset cgroup starts empty; the kubelet's children inherit from it.
          Files.writeString(root.resolve("cpuset.cpus"), Files.readString(parent.resolve("cpuset.cpus")).strip());
          Files.writeString(root.resolve("cpuset.mems"), Files.readString(parent.resolve("cpuset.mems")).strip());
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create cgroup " + root, e);
      }
    }
  }

  private String config() {
    return """
        apiVersion: kubelet.config.k8s.io/v1beta1
        kind: KubeletConfiguration
        address: %1$s
        port: %2$d
        readOnlyPort: 0
        healthzBindAddress: 127.0.0.1
        healthzPort: %3$d
        cgroupDriver: cgroupfs
        cgroupRoot: %4$s
        cgroupsPerQOS: true
        enforceNodeAllocatable: []
        failSwapOn: false
        authentication:
          anonymous:
            enabled: true
          webhook:
            enabled: false
        authorization:
          mode: AlwaysAllow
        clusterDomain: cluster.local
        resolvConf: /etc/resolv.conf
        serializeImagePulls: false
        imageGCHighThresholdPercent: 100
        imageGCLowThresholdPercent: 99
        evictionHard:
          memory.available: 50Mi
          nodefs.available: 1%%
          nodefs.inodesFree: 1%%
          imagefs.available: 1%%
        fileCheckFrequency: 20s
        syncFrequency: 10s
        # The kubelet renews its Lease every quarter of this (2.5 s instead of 10 s), so that tests can use
        # detection timeouts of seconds without a healthy node ever looking silent.
        nodeLeaseDurationSeconds: 10
        """.formatted(address, Ports.free(), Ports.free(), cgroupRoot());
  }
}
