package dev.tether.operator.validation;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The host-reaching parts of the Pod Security Standard "baseline", checked on a session's pod template. The
 * operator creates the session's pods with its own rights, so without this a user who may only create
 * sessions could get a privileged or host-network pod; with host networking two sessions on one node would
 * also share the supervisor's port and cross their checkpoints. Where the namespace enforces Pod Security
 * Admission, that applies to session pods as well; this check also covers clusters without it.
 */
public final class PodSecurityBaseline {
  /** The capabilities baseline allows a container to add. */
  private static final Set<String> ALLOWED_CAPABILITIES = Set.of("AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER",
      "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT");

  private PodSecurityBaseline() {}

  /** One sentence per violation. */
  public static List<String> violations(PodSpec pod) {
    List<String> problems = new ArrayList<>();
    String why = " is not allowed: the operator enforces the baseline pod security level "
        + "(an admin may lift it with TETHER_POD_SECURITY=privileged)";
    if (Boolean.TRUE.equals(pod.getHostNetwork())) {
      problems.add("spec.template.spec.hostNetwork" + why);
    }
    if (Boolean.TRUE.equals(pod.getHostPID())) {
      problems.add("spec.template.spec.hostPID" + why);
    }
    if (Boolean.TRUE.equals(pod.getHostIPC())) {
      problems.add("spec.template.spec.hostIPC" + why);
    }
    if (pod.getVolumes() != null) {
      pod.getVolumes().stream().filter(v -> v.getHostPath() != null)
          .forEach(v -> problems.add("hostPath volume '" + v.getName() + "'" + why));
    }
    List<Container> all = new ArrayList<>(pod.getContainers() == null ? List.of() : pod.getContainers());
    if (pod.getInitContainers() != null) {
      all.addAll(pod.getInitContainers());
    }
    for (Container c : all) {
      var security = c.getSecurityContext();
      if (security != null && Boolean.TRUE.equals(security.getPrivileged())) {
        problems.add("privileged container '" + c.getName() + "'" + why);
      }
      if (security != null && security.getCapabilities() != null && security.getCapabilities().getAdd() != null) {
        security.getCapabilities().getAdd().stream()
            .filter(cap -> !ALLOWED_CAPABILITIES.contains(cap.replaceFirst("^CAP_", "")))
            .forEach(cap -> problems.add("capability " + cap + " of container '" + c.getName() + "'" + why));
      }
      if (c.getPorts() != null) {
        c.getPorts().stream().filter(p -> p.getHostPort() != null && p.getHostPort() != 0)
            .forEach(p -> problems.add("hostPort " + p.getHostPort() + " of container '" + c.getName() + "'" + why));
      }
    }
    return problems;
  }
}
