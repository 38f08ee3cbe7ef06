package dev.tether.testbed.real;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host side of the real nodes' network, all of it on this machine: a bridge {@value #BRIDGE} that
 * carries the apiserver's address and one address per node (kubelets refuse a loopback node IP), a pod
 * subnet per node (its own CNI bridge), and iptables rules that keep pod traffic on the machine and can
 * cut one node's pods off (a partition).
 *
 * <p>Addresses: {@code 10.213.0.1} the apiserver, {@code 10.213.0.(10+i)} node {@code i},
 * {@code 10.213.i.0/24} node {@code i}'s pods; Services use the control plane's {@code 10.0.0.0/16}, which is
 * routed into the bridge so that nothing for it ever leaves the machine. Traffic from a pod subnet to any
 * other address is dropped.
 */
final class HostNetwork implements AutoCloseable {
  static final String BRIDGE = "tthr0";
  static final String NETWORK = "10.213.0.0/16";
  static final String HOST_ADDRESS = "10.213.0.1";
  private static final String GUARD = "TETHER-TESTBED";
  private static final String CUT = "TETHER-TESTBED-CUT";
  private static final Logger LOG = LoggerFactory.getLogger(HostNetwork.class);

  private final String serviceCidr;
  private String ipForwardBefore;

  private HostNetwork(String serviceCidr) {
    this.serviceCidr = serviceCidr;
  }

  static String nodeAddress(int index) {
    return "10.213.0." + (10 + index);
  }

  static String podSubnet(int index) {
    return "10.213." + index + ".0/24";
  }

  static String podGateway(int index) {
    return "10.213." + index + ".1";
  }

  /** Sets up the bridge, routes, sysctls and guard rules, replacing what a killed earlier run left. */
  static HostNetwork create(String serviceCidr) {
    HostNetwork network = new HostNetwork(serviceCidr);
    network.removeLeftovers();
    network.ipForwardBefore = read(Path.of("/proc/sys/net/ipv4/ip_forward"));
    write(Path.of("/proc/sys/net/ipv4/ip_forward"), "1");
    HostCommand.run("ip", "link", "add", BRIDGE, "type", "bridge");
    HostCommand.run("ip", "addr", "add", HOST_ADDRESS + "/24", "dev", BRIDGE);
    HostCommand.run("ip", "link", "set", BRIDGE, "up");
    // Service IPs and unused node subnets end in the bridge, never on the default route.
    HostCommand.run("ip", "route", "replace", serviceCidr, "dev", BRIDGE);
    HostCommand.run("ip", "route", "replace", NETWORK, "dev", BRIDGE);
    // Bridged pod-to-pod traffic must pass iptables for Service NAT to work on one bridge.
    Path bridgeNf = Path.of("/proc/sys/net/bridge/bridge-nf-call-iptables");
    if (Files.exists(bridgeNf)) {
      write(bridgeNf, "1");
    }
    HostCommand.run("iptables", "-w", "-N", GUARD);
    HostCommand.run("iptables", "-w", "-N", CUT);
    HostCommand.run("iptables", "-w", "-A", GUARD, "-j", CUT);
    HostCommand.run("iptables", "-w", "-A", GUARD, "-s", NETWORK, "-d", NETWORK, "-j", "RETURN");
    HostCommand.run("iptables", "-w", "-A", GUARD, "-s", NETWORK, "-d", serviceCidr, "-j", "RETURN");
    HostCommand.run("iptables", "-w", "-A", GUARD, "-s", NETWORK, "-j", "DROP");
    network.jumpFirst();
    return network;
  }

  /** Adds node {@code index}'s address to the bridge. */
  void addNode(int index) {
    HostCommand.run("ip", "addr", "replace", nodeAddress(index) + "/32", "dev", BRIDGE);
  }

  /** Drops all traffic between node {@code index}'s pods and everything else (the host included). */
  void cut(int index) {
    String subnet = podSubnet(index);
    HostCommand.run("iptables", "-w", "-A", CUT, "-s", subnet, "-j", "DROP");
    HostCommand.run("iptables", "-w", "-A", CUT, "-d", subnet, "-j", "DROP");
    // Established connections would be accepted by rules added since (kube-proxy's): ours go first again.
    jumpFirst();
  }

  void heal(int index) {
    String subnet = podSubnet(index);
    HostCommand.attempt("iptables", "-w", "-D", CUT, "-s", subnet, "-j", "DROP");
    HostCommand.attempt("iptables", "-w", "-D", CUT, "-d", subnet, "-j", "DROP");
  }

  private void jumpFirst() {
    for (String chain : List.of("FORWARD", "INPUT", "OUTPUT")) {
      String target = chain.equals("FORWARD") ? GUARD : CUT;
      while (HostCommand.attempt("iptables", "-w", "-D", chain, "-j", target).exitCode() == 0) {
        // removed one; there may be more from a killed earlier run
      }
      HostCommand.run("iptables", "-w", "-I", chain, "1", "-j", target);
    }
  }

  private void removeLeftovers() {
    for (String chain : List.of("FORWARD", "INPUT", "OUTPUT")) {
      for (String target : List.of(GUARD, CUT)) {
        while (HostCommand.attempt("iptables", "-w", "-D", chain, "-j", target).exitCode() == 0) {
          // removed one
        }
      }
    }
    for (String chain : List.of(GUARD, CUT)) {
      HostCommand.attempt("iptables", "-w", "-F", chain);
      HostCommand.attempt("iptables", "-w", "-X", chain);
    }
    removeKubernetesRules();
    HostCommand.attempt("ip", "route", "del", serviceCidr, "dev", BRIDGE);
    HostCommand.attempt("ip", "route", "del", NETWORK, "dev", BRIDGE);
    for (String line : HostCommand.run("ip", "-o", "link", "show").split("\n")) {
      String[] fields = line.split(":\\s+");
      if (fields.length > 1) {
        String name = fields[1].split("@")[0].trim();
        if (name.startsWith("tthr")) {
          HostCommand.attempt("ip", "link", "del", name);
        }
      }
    }
  }

  /**
   * The KUBE-* chains the kubelets and kube-proxy add to the host's iptables (Service NAT, the kubelet's mark and
   * firewall chains) outlive them. Left from an earlier run, a Service rule still sends 10.0.0.1 to that run's
   * apiserver port and satisfies the wait for the new kube-proxy's rules before it has synced. The test bed's
   * nodes are the only Kubernetes nodes on this machine (its kube-proxy rewrites these chains anyway).
   */
  private static void removeKubernetesRules() {
    for (String table : List.of("filter", "nat", "mangle")) {
      List<String> chains = new ArrayList<>();
      StringBuilder restore = new StringBuilder("*" + table + "\n");
      for (String line : HostCommand.attempt("iptables-save", "-t", table).output().split("\n")) {
        if (line.startsWith(":KUBE-")) {
          chains.add(line.substring(1, line.indexOf(' ')));
        } else if (line.startsWith("-A ") && !line.startsWith("-A KUBE-") && line.contains(" -j KUBE-")) {
          restore.append("-D ").append(line.substring(3)).append('\n');
        }
      }
      if (chains.isEmpty()) {
        continue;
      }
      chains.forEach(chain -> restore.append("-F ").append(chain).append('\n'));
      chains.forEach(chain -> restore.append("-X ").append(chain).append('\n'));
      restore.append("COMMIT\n");
      try {
        Path file = Files.createTempFile("tether-testbed-iptables-", ".rules");
        try {
          Files.writeString(file, restore);
          HostCommand.run("iptables-restore", "-w", "--noflush", file.toString());
        } finally {
          Files.delete(file);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  @Override
  public void close() {
    removeLeftovers();
    if (ipForwardBefore != null) {
      write(Path.of("/proc/sys/net/ipv4/ip_forward"), ipForwardBefore.strip());
    }
    LOG.info("host network of the real nodes removed");
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void write(Path file, String value) {
    try {
      Files.writeString(file, value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
