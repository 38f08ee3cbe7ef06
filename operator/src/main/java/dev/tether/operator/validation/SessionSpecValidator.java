package dev.tether.operator.validation;

import dev.tether.api.Tether;
import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.AgentSessionSpec;
import dev.tether.api.v1alpha1.FailoverSpec;
import dev.tether.operator.checkpoint.CheckpointStoreSettings;
import dev.tether.operator.checkpoint.SupervisorSidecar;
import dev.tether.operator.support.Durations;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Semantic checks the CRD schema cannot express. Each problem is a sentence that says what to fix; the
 * reconciler reports them as Ready=False/InvalidSpec and a Warning Event, and creates no pod.
 */
public final class SessionSpecValidator {
  /** A DNS-1035 label, as a Service name must be; also a valid label value. */
  private static final Pattern DNS_LABEL = Pattern.compile("[a-z]([-a-z0-9]{0,61}[a-z0-9])?");

  private final Predicate<String> storageClassExists;
  private final SessionLimits limits;
  private final PodPolicy podPolicy;

  /**
   * @param storageClassExists answers whether a StorageClass of that name exists in the cluster
   * @param limits the ranges the admin allows for the failover timings
   * @param podPolicy what the admin lets pod templates do
   */
  public SessionSpecValidator(Predicate<String> storageClassExists, SessionLimits limits, PodPolicy podPolicy) {
    this.storageClassExists = storageClassExists;
    this.limits = limits;
    this.podPolicy = podPolicy;
  }

  /** Any ServiceAccount; the baseline as given. */
  public SessionSpecValidator(Predicate<String> storageClassExists, SessionLimits limits, boolean enforceBaseline) {
    this(storageClassExists, limits, PodPolicy.baselineOnly(enforceBaseline));
  }

  public List<String> validate(AgentSession session) {
    return validate(session, false);
  }

  /**
   * @param claimExists the session's checkpoint claim exists: its StorageClass no longer matters (StorageClasses
   *                    are immutable, so admins delete and recreate them; a session must not stop failing over
   *                    meanwhile)
   */
  public List<String> validate(AgentSession session, boolean claimExists) {
    List<String> problems = new ArrayList<>();
    String name = session.getMetadata() == null ? null : session.getMetadata().getName();
    if (name != null && !DNS_LABEL.matcher(name).matches()) {
      problems.add("metadata.name '" + name + "' must be at most 63 lower-case letters, digits and '-', starting "
          + "with a letter and ending with a letter or digit: it names the session's Service and labels its objects");
    }
    AgentSessionSpec spec = session.getSpec();
    if (spec == null || spec.getTemplate() == null) {
      problems.add("spec.template is required");
      return problems;
    }
    PodSpec pod = spec.getTemplate().getSpec();
    if (pod == null || pod.getContainers() == null || pod.getContainers().isEmpty()) {
      problems.add("spec.template.spec.containers must list at least one container");
      return problems;
    }
    problems.addAll(podPolicy.violations(pod));
    String mountPath = normalise(spec.getCheckpoint().getMountPath());
    if (mountPath.equals("/")) {
      problems.add("spec.checkpoint.mountPath must not be /: the volume would hide the image's file system");
    } else if (List.of(mountPath.split("/")).stream().anyMatch(seg -> seg.equals(".") || seg.equals(".."))) {
      problems.add("spec.checkpoint.mountPath " + mountPath + " must not contain '.' or '..' segments");
    } else {
      SystemPaths.shadowed(mountPath).ifPresent(system -> problems.add("spec.checkpoint.mountPath " + mountPath
          + " would hide " + system + ", which the containers' images and the kubelet need; choose a directory of "
          + "its own, e.g. the default " + SupervisorSidecar.CHECKPOINT_DIR));
    }
    var size = spec.getCheckpoint().getSize();
    if (size != null) {
      try {
        if (Quantity.getAmountInBytes(size).signum() <= 0) {
          problems.add("spec.checkpoint.size " + size + " must be positive");
        }
      } catch (RuntimeException e) {
        problems.add("spec.checkpoint.size '" + size + "' is not a quantity (use e.g. 1Gi, 500Mi)");
      }
    }
    if (pod.getNodeName() != null && !pod.getNodeName().isBlank()) {
      problems.add("spec.template.spec.nodeName pins the session to one node and prevents migration; "
          + "use nodeSelector or affinity instead");
    }
    if ("Always".equals(pod.getRestartPolicy())) {
      problems.add("spec.template.spec.restartPolicy Always would restart an agent that finished; "
          + "use OnFailure (default) or Never");
    }
    for (String reserved : List.of(Tether.CHECKPOINT_VOLUME, SupervisorSidecar.CREDENTIALS_VOLUME,
        SupervisorSidecar.TMP_VOLUME)) {
      if (pod.getVolumes() != null && pod.getVolumes().stream().anyMatch(v -> reserved.equals(v.getName()))) {
        problems.add("spec.template.spec.volumes must not define a volume named '" + reserved
            + "': the operator adds it");
      }
    }
    if (pod.getVolumes() != null && pod.getVolumes().stream().anyMatch(SessionSpecValidator::mountsTenantSecret)) {
      problems.add("spec.template.spec.volumes must not mount the Secret " + CheckpointStoreSettings.TENANT_SECRET
          + ": it holds the namespace's checkpoint store credentials, which only the supervisor gets");
    }
    List<Container> all = new ArrayList<>(pod.getContainers());
    if (pod.getInitContainers() != null) {
      all.addAll(pod.getInitContainers());
    }
    for (Container c : all) {
      if (SupervisorSidecar.CONTAINER.equals(c.getName())) {
        problems.add("spec.template.spec must not define a container named '" + SupervisorSidecar.CONTAINER
            + "': the operator adds it");
      }
      for (VolumeMount m : c.getVolumeMounts() == null ? List.<VolumeMount>of() : c.getVolumeMounts()) {
        String other = normalise(m.getMountPath());
        if (nested(mountPath, other)) {
          problems.add("spec.checkpoint.mountPath " + mountPath + " clashes with volumeMount '" + m.getName()
              + "' of container '" + c.getName() + "' at " + m.getMountPath()
              + "; choose a mountPath that neither contains nor lies inside it");
        }
      }
      for (VolumeMount m : c.getVolumeMounts() == null ? List.<VolumeMount>of() : c.getVolumeMounts()) {
        if (SupervisorSidecar.CREDENTIALS_VOLUME.equals(m.getName())) {
          problems.add("container '" + c.getName() + "' mounts " + m.getName()
              + ": the checkpoint store credentials are the supervisor's only");
        }
      }
      if (readsTenantSecret(c)) {
        problems.add("container '" + c.getName() + "' reads the Secret " + CheckpointStoreSettings.TENANT_SECRET
            + ": it holds the namespace's checkpoint store credentials, which only the supervisor gets");
      }
      if (c.getEnv() != null) {
        c.getEnv().stream().map(e -> e.getName()).filter(n -> n != null && n.startsWith("TETHER_")).distinct()
            .forEach(n -> problems.add("container '" + c.getName() + "' sets " + n
                + "; TETHER_* variables are set by the operator"));
      }
    }
    String storageClass = spec.getCheckpoint().getStorageClassName();
    if (!claimExists && storageClass != null && !storageClass.isBlank() && !storageClassExists.test(storageClass)) {
      problems.add("spec.checkpoint.storageClassName '" + storageClass + "' does not exist in the cluster");
    }
    problems.addAll(ObjectStoreRules.check(spec.getCheckpoint().getObjectStore(), "spec.checkpoint.objectStore"));
    if (spec.getCheckpoint().getObjectStore() != null && spec.getCheckpoint().getRetain() < 2
        && spec.getCheckpoint().getObjectStore().getMode() == dev.tether.api.v1alpha1.ObjectStoreSpec.Mode.Asynchronous) {
      problems.add("spec.checkpoint.objectStore.mode Asynchronous needs spec.checkpoint.retain >= 2: the newest "
          + "uploaded checkpoint is kept while a newer one waits for its upload");
    }
    var lifecycle = spec.getLifecycle();
    for (String value : new String[] {lifecycle.getIdleTimeout(), lifecycle.getTtlAfterFinished()}) {
      try {
        Durations.parseOr(value, java.time.Duration.ZERO);
      } catch (IllegalArgumentException e) {
        problems.add("spec.lifecycle: " + e.getMessage());
      }
    }
    FailoverSpec failover = spec.getFailover();
    List<String> timings = limits.check(failover);
    problems.addAll(timings);
    if (timings.isEmpty()
        && Durations.parse(failover.getMaxBackoff()).compareTo(Durations.parse(failover.getInitialBackoff())) < 0) {
      problems.add("spec.failover.maxBackoff must not be shorter than spec.failover.initialBackoff");
    }
    return problems;
  }

  private static String normalise(String path) {
    if (path == null) {
      return "";
    }
    String p = path.replaceAll("/+", "/");
    return p.length() > 1 && p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
  }

  private static boolean nested(String a, String b) {
    return a.equals(b) || a.startsWith(b.equals("/") ? "/" : b + "/") || b.startsWith(a.equals("/") ? "/" : a + "/");
  }

  private static boolean mountsTenantSecret(io.fabric8.kubernetes.api.model.Volume v) {
    String secret = CheckpointStoreSettings.TENANT_SECRET;
    return (v.getSecret() != null && secret.equals(v.getSecret().getSecretName()))
        || (v.getProjected() != null && v.getProjected().getSources() != null && v.getProjected().getSources()
            .stream().anyMatch(p -> p.getSecret() != null && secret.equals(p.getSecret().getName())));
  }

  private static boolean readsTenantSecret(Container c) {
    String secret = CheckpointStoreSettings.TENANT_SECRET;
    boolean env = c.getEnv() != null && c.getEnv().stream().anyMatch(e -> e.getValueFrom() != null
        && e.getValueFrom().getSecretKeyRef() != null && secret.equals(e.getValueFrom().getSecretKeyRef().getName()));
    boolean envFrom = c.getEnvFrom() != null && c.getEnvFrom().stream()
        .anyMatch(e -> e.getSecretRef() != null && secret.equals(e.getSecretRef().getName()));
    return env || envFrom;
  }
}
