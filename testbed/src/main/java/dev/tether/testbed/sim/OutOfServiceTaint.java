package dev.tether.testbed.sim;

import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.List;

/**
 * The taint an administrator puts on a node confirmed down ({@code node.kubernetes.io/out-of-service}), as tests
 * play that administrator: Kubernetes then force-deletes the node's pods and detaches its volumes at once.
 */
public final class OutOfServiceTaint {
  public static final String KEY = "node.kubernetes.io/out-of-service";

  private OutOfServiceTaint() {}

  /** Adds the taint, keeping the node's other taints. */
  public static void add(KubernetesClient client, String node) {
    client.nodes().withName(node).edit(n -> {
      List<Taint> taints = new ArrayList<>(n.getSpec().getTaints() == null ? List.of() : n.getSpec().getTaints());
      taints.add(new TaintBuilder().withKey(KEY).withValue("nodeshutdown").withEffect("NoExecute").build());
      n.getSpec().setTaints(taints);
      return n;
    });
  }

  /** Removes the taint, as the administrator does once the node is back. */
  public static void remove(KubernetesClient client, String node) {
    client.nodes().withName(node).edit(n -> {
      if (n.getSpec().getTaints() != null) {
        n.getSpec().setTaints(n.getSpec().getTaints().stream().filter(t -> !KEY.equals(t.getKey())).toList());
      }
      return n;
    });
  }
}
