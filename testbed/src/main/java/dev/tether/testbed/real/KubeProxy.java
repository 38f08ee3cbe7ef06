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
 * kube-proxy in iptables mode, so that pods reach Services by ClusterIP (the operator reaches the apiserver
 * through the {@code kubernetes} Service). One is enough: all nodes share this machine's network stack.
 * It masquerades all Service traffic, so replies from a pod on the same bridge return through the NAT.
 */
final class KubeProxy implements AutoCloseable {
  private final LocalProcess process;

  private KubeProxy(LocalProcess process) {
    this.process = process;
  }

  static KubeProxy start(Path dir, String kubeconfigYaml, String hostname) {
    try {
      Files.createDirectories(dir);
      Files.writeString(dir.resolve("kube-proxy.kubeconfig"), kubeconfigYaml);
      Files.writeString(dir.resolve("kube-proxy.yaml"), """
          apiVersion: kubeproxy.config.k8s.io/v1alpha1
          kind: KubeProxyConfiguration
          clientConnection:
            kubeconfig: %s
          mode: iptables
          clusterCIDR: %s
          hostnameOverride: %s
          bindAddress: 127.0.0.1
          healthzBindAddress: 127.0.0.1:%d
          metricsBindAddress: 127.0.0.1:%d
          iptables:
            masqueradeAll: true
            syncPeriod: 10s
            minSyncPeriod: 0s
          conntrack:
            maxPerCore: 0
            min: 0
          """.formatted(dir.resolve("kube-proxy.kubeconfig"), HostNetwork.NETWORK, hostname, Ports.free(),
          Ports.free()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String binary = Binaries.find("kube-proxy").orElseThrow(() -> new IllegalStateException(
        "kube-proxy not found: run hack/install-control-plane.sh")).toString();
    return new KubeProxy(LocalProcess.start("kube-proxy", List.of(binary,
        "--config=" + dir.resolve("kube-proxy.yaml"), "--v=1"), dir.resolve("kube-proxy.log")));
  }

  boolean isRunning() {
    return process.isAlive();
  }

  @Override
  public void close() {
    process.stop();
  }
}
