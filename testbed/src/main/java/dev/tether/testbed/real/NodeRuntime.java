package dev.tether.testbed.real;

import dev.tether.testbed.LocalProcess;
import dev.tether.testbed.Poll;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * One node's containerd (with runc and the CNI bridge plugin), with a root, state, socket and pod subnet
 * of its own, so that several nodes share the machine without seeing each other's containers. It runs in a
 * mount namespace of the node's own, which its kubelet joins, where {@code /var/log/pods} and
 * {@code /var/log/containers} are the node's own directories: both paths are fixed in the kubelet, and a
 * kubelet deletes the logs of every pod it does not run.
 */
final class NodeRuntime {
  static final String PAUSE_IMAGE = "tether.local/pause:3.2";
  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);

  private final Path dir;
  private final int index;
  private final PodLogs logs;
  private LocalProcess containerd;

  NodeRuntime(Path dir, int index) {
    this.dir = dir;
    this.index = index;
    this.logs = new PodLogs(dir.resolve("pod-logs"));
  }

  PodLogs logs() {
    return logs;
  }

  /** The node's mount namespace, for its kubelet to join; valid while containerd runs. */
  Path mountNamespace() {
    return Path.of("/proc", Long.toString(containerd.pid()), "ns", "mnt");
  }

  Path socket() {
    return dir.resolve("containerd.sock");
  }

  void start() {
    Path links = dir.resolve("container-logs");
    try {
      Files.createDirectories(dir.resolve("cni"));
      Files.createDirectories(links);
      Files.createDirectories(PodLogs.NODE_PATH);
      Files.createDirectories(PodLogs.NODE_LINKS_PATH);
      logs.create();
      Files.writeString(dir.resolve("containerd.toml"), config());
      Files.writeString(dir.resolve("cni/10-tether.conflist"), cniConfig());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    // exec keeps the pid: it is containerd's, and its namespace is the node's.
    String script = "mount --bind '" + logs.root() + "' " + PodLogs.NODE_PATH
        + " && mount --bind '" + links + "' " + PodLogs.NODE_LINKS_PATH
        + " && exec containerd --config '" + dir.resolve("containerd.toml") + "'";
    containerd = LocalProcess.start("containerd " + dir, List.of("unshare", "--mount", "--propagation", "private",
        "--", "sh", "-c", script), dir.resolve("containerd.log"));
    Poll.until(containerd.describe(), STARTUP_TIMEOUT, containerd::isAlive,
        () -> Files.exists(socket()) && HostCommand.attempt(ctr("version")).exitCode() == 0);
  }

  /** Imports an image tarball (docker-archive or OCI) into the namespace the kubelet uses. */
  void importImage(Path tarball) {
    HostCommand.run(ctr("images", "import", tarball.toString()));
  }

  boolean hasImage(String ref) {
    return HostCommand.run(ctr("images", "ls", "-q")).lines().anyMatch(ref::equals);
  }

  /** containerd and every shim it started, killed at once, as in a power loss. */
  void kill() {
    if (containerd != null) {
      containerd.kill();
    }
    // Shims outlive containerd by design; ours are the ones started with our socket.
    HostCommand.attempt("pkill", "-9", "-f", "containerd-shim.* -address " + socket());
  }

  boolean isRunning() {
    return containerd != null && containerd.isAlive();
  }

  String[] ctr(String... args) {
    String[] command = new String[4 + args.length];
    command[0] = "ctr";
    command[1] = "--address=" + socket();
    command[2] = "--namespace=k8s.io";
    command[3] = "--timeout=5m";
    System.arraycopy(args, 0, command, 4, args.length);
    return command;
  }

  private String config() {
    return """
        version = 2
        root = "%1$s/containerd/root"
        state = "%1$s/containerd/state"
        [grpc]
          address = "%2$s"
        [plugins."io.containerd.grpc.v1.cri"]
          sandbox_image = "%3$s"
          # These machines may lack CAP_SYS_RESOURCE: without this every sandbox fails to start.
          restrict_oom_score_adj = true
          enable_selinux = false
          [plugins."io.containerd.grpc.v1.cri".cni]
            bin_dir = "/usr/lib/cni"
            conf_dir = "%1$s/cni"
          [plugins."io.containerd.grpc.v1.cri".containerd]
            default_runtime_name = "runc"
            [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
              runtime_type = "io.containerd.runc.v2"
        """.formatted(dir, socket(), PAUSE_IMAGE);
  }

  // isDefaultGateway: pods need a default route through the bridge to reach anything off their subnet (Service
  // IPs, the apiserver); isGateway alone only gives the bridge its address.
  private String cniConfig() {
    return """
        {
          "cniVersion": "0.4.0",
          "name": "tether-node-%1$d",
          "plugins": [
            {
              "type": "bridge",
              "bridge": "tthr%1$d",
              "isGateway": true,
              "isDefaultGateway": true,
              "ipMasq": false,
              "hairpinMode": true,
              "ipam": {
                "type": "host-local",
                "ranges": [[{"subnet": "%2$s", "gateway": "%3$s"}]],
                "dataDir": "%4$s/cni-ipam"
              }
            },
            {"type": "loopback"}
          ]
        }
        """.formatted(index, HostNetwork.podSubnet(index), HostNetwork.podGateway(index), dir);
  }
}
