package dev.tether.operator.pod;

import dev.tether.api.Tether;
import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.CheckpointSpec;
import dev.tether.operator.dependent.SessionLabels;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.NodeAffinity;
import io.fabric8.kubernetes.api.model.NodeSelector;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirementBuilder;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds the pod of one incarnation from the session's template: checkpoint volume, TETHER_* identity,
 * epoch label, stable hostname, and an exclusion of nodes the session must not return to.
 */
public final class SessionPodFactory {
  /** Hash of what shaped the pod; a different hash on a running pod means the spec changed. */
  public static final String ANNOTATION_TEMPLATE_HASH = Tether.GROUP + "/template-hash";

  private final KubernetesSerialization serialization;
  private final List<PodDecorator> decorators;

  /** Adds what other parts of the operator need in every session pod (e.g. the supervisor sidecar). */
  public interface PodDecorator {
    void decorate(AgentSession session, long epoch, PodSpec spec);

    /** Adds annotations of the pod; called after {@link #decorate}. */
    default void annotate(AgentSession session, Map<String, String> annotations) {}
  }

  public SessionPodFactory(KubernetesSerialization serialization, List<PodDecorator> decorators) {
    this.serialization = serialization;
    this.decorators = List.copyOf(decorators);
  }

  public Pod build(AgentSession session, long epoch, IncarnationCause cause, Set<String> avoidNodes) {
    PodTemplateSpec template = serialization.clone(session.getSpec().getTemplate());
    CheckpointSpec checkpoint = session.getSpec().getCheckpoint();
    String name = session.getMetadata().getName();

    Map<String, String> labels = new LinkedHashMap<>();
    Map<String, String> annotations = new LinkedHashMap<>();
    if (template.getMetadata() != null) {
      if (template.getMetadata().getLabels() != null) {
        labels.putAll(template.getMetadata().getLabels());
      }
      if (template.getMetadata().getAnnotations() != null) {
        annotations.putAll(template.getMetadata().getAnnotations());
      }
    }
    labels.putAll(SessionLabels.of(session));
    labels.put(Tether.LABEL_EPOCH, Long.toString(epoch));
    annotations.put(ANNOTATION_TEMPLATE_HASH, templateHash(session));
    annotations.put(Tether.ANNOTATION_RESTORE_REASON, cause.reason());
    if (cause.previousPod() != null) {
      annotations.put(Tether.ANNOTATION_PREVIOUS_POD, cause.previousPod());
    }
    if (cause.previousNode() != null) {
      annotations.put(Tether.ANNOTATION_PREVIOUS_NODE, cause.previousNode());
    }

    PodSpec spec = template.getSpec();
    if (spec.getRestartPolicy() == null) {
      spec.setRestartPolicy("OnFailure");
    }
    if (name.length() <= 63) {
      spec.setHostname(name);
      spec.setSubdomain(SessionLabels.serviceName(session));
    }
    List<io.fabric8.kubernetes.api.model.Volume> volumes = new ArrayList<>(
        spec.getVolumes() == null ? List.of() : spec.getVolumes());
    volumes.add(new VolumeBuilder().withName(Tether.CHECKPOINT_VOLUME)
        .withNewPersistentVolumeClaim().withClaimName(SessionLabels.claimName(session)).endPersistentVolumeClaim()
        .build());
    spec.setVolumes(volumes);
    decorators.forEach(d -> d.decorate(session, epoch, spec));
    decorators.forEach(d -> d.annotate(session, annotations));
    List<EnvVar> identity = new ArrayList<>(identityEnv(session, epoch, checkpoint.getMountPath()));
    if (cause.rollbackTo() != null) {
      annotations.put(Tether.ANNOTATION_ROLLBACK_TO, Long.toString(cause.rollbackTo()));
      identity.add(new EnvVarBuilder().withName(Tether.ENV_RESTORE_SEQUENCE)
          .withValue(Long.toString(cause.rollbackTo())).build());
    }
    for (Container c : spec.getContainers()) {
      wire(c, identity, checkpoint.getMountPath());
    }
    if (spec.getInitContainers() != null) {
      spec.getInitContainers().forEach(c -> wire(c, identity, checkpoint.getMountPath()));
    }
    if (!avoidNodes.isEmpty()) {
      spec.setAffinity(excludeNodes(spec.getAffinity(), avoidNodes));
    }

    Pod pod = new Pod();
    pod.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
        .withName(SessionLabels.podName(session, epoch))
        .withNamespace(session.getMetadata().getNamespace())
        .withLabels(labels)
        .withAnnotations(annotations)
        .withOwnerReferences(new OwnerReferenceBuilder()
            .withApiVersion(session.getApiVersion())
            .withKind(session.getKind())
            .withName(name)
            .withUid(session.getMetadata().getUid())
            .withController(true)
            .withBlockOwnerDeletion(true)
            .build())
        .build());
    pod.setSpec(spec);
    return pod;
  }

  public String templateHash(AgentSession session) {
    String text = serialization.asJson(session.getSpec().getTemplate()) + "|" + session.getSpec().getCheckpoint().getMountPath();
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Gives a container the session's identity and the checkpoint volume at the template's mountPath. A container
   * a decorator added that already mounts the volume (the supervisor, at a path of its own) keeps its mount and
   * its own value of any identity variable; templates may not use those names (see SessionSpecValidator).
   */
  private static void wire(Container c, List<EnvVar> identity, String mountPath) {
    List<EnvVar> own = c.getEnv() == null ? List.of() : c.getEnv();
    List<EnvVar> env = new ArrayList<>();
    identity.stream().filter(e -> own.stream().noneMatch(o -> o.getName().equals(e.getName()))).forEach(env::add);
    env.addAll(own);
    c.setEnv(env);
    List<io.fabric8.kubernetes.api.model.VolumeMount> mounts = new ArrayList<>(
        c.getVolumeMounts() == null ? List.of() : c.getVolumeMounts());
    if (mounts.stream().noneMatch(m -> Tether.CHECKPOINT_VOLUME.equals(m.getName()))) {
      mounts.add(new VolumeMountBuilder().withName(Tether.CHECKPOINT_VOLUME).withMountPath(mountPath).build());
    }
    c.setVolumeMounts(mounts);
  }

  private static List<EnvVar> identityEnv(AgentSession session, long epoch, String mountPath) {
    return List.of(
        new EnvVarBuilder().withName(Tether.ENV_SESSION_NAME).withValue(session.getMetadata().getName()).build(),
        new EnvVarBuilder().withName(Tether.ENV_SESSION_NAMESPACE).withValue(session.getMetadata().getNamespace()).build(),
        new EnvVarBuilder().withName(Tether.ENV_EPOCH).withValue(Long.toString(epoch)).build(),
        new EnvVarBuilder().withName(Tether.ENV_CHECKPOINT_DIR).withValue(mountPath).build(),
        new EnvVarBuilder().withName(Tether.ENV_POD_NAME)
            .withNewValueFrom().withNewFieldRef().withFieldPath("metadata.name").endFieldRef().endValueFrom().build(),
        new EnvVarBuilder().withName(Tether.ENV_NODE_NAME)
            .withNewValueFrom().withNewFieldRef().withFieldPath("spec.nodeName").endFieldRef().endValueFrom().build());
  }

  /** Adds "metadata.name NotIn avoidNodes" to every required term (terms are ORed, so each needs it). */
  static Affinity excludeNodes(Affinity affinity, Set<String> avoidNodes) {
    Affinity result = affinity == null ? new Affinity() : affinity;
    NodeAffinity nodeAffinity = result.getNodeAffinity() == null ? new NodeAffinity() : result.getNodeAffinity();
    NodeSelector required = nodeAffinity.getRequiredDuringSchedulingIgnoredDuringExecution();
    if (required == null || required.getNodeSelectorTerms() == null || required.getNodeSelectorTerms().isEmpty()) {
      required = new NodeSelector(List.of(new NodeSelectorTerm()));
    }
    // matchFields takes exactly one value per NotIn requirement, so one requirement per node.
    var exclusions = avoidNodes.stream().sorted()
        .map(node -> new NodeSelectorRequirementBuilder()
            .withKey("metadata.name").withOperator("NotIn").withValues(node).build())
        .toList();
    for (NodeSelectorTerm term : required.getNodeSelectorTerms()) {
      List<io.fabric8.kubernetes.api.model.NodeSelectorRequirement> fields = new ArrayList<>(
          term.getMatchFields() == null ? List.of() : term.getMatchFields());
      fields.addAll(exclusions);
      term.setMatchFields(fields);
    }
    nodeAffinity.setRequiredDuringSchedulingIgnoredDuringExecution(required);
    result.setNodeAffinity(nodeAffinity);
    return result;
  }
}
