package dev.tether.testbed.sim;

import io.fabric8.kubernetes.api.model.BindingBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plays kube-scheduler: binds each pending pod to the least loaded node that fits, or marks it Unschedulable
 * with kube-scheduler's message. Retries whenever pods, nodes or claims change, and every few seconds because
 * node leases expire without any event.
 */
public final class MiniScheduler implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MiniScheduler.class);
  private static final Duration RESCAN = Duration.ofSeconds(5);

  private final KubernetesClient client;
  private final ClusterInformers informers;
  private final ReconcileLoop loop;
  /** Pods bound by this scheduler that the informer has not shown bound yet (kube-scheduler's "assumed" pods). */
  private final Map<String, String> assumed = new ConcurrentHashMap<>();

  MiniScheduler(KubernetesClient client, ClusterInformers informers) {
    this.client = client;
    this.informers = informers;
    this.loop = new ReconcileLoop("sim-scheduler", this::schedulePending);
    informers.pods.addEventHandler(ClusterInformers.onChange(pod -> loop.request()));
    informers.nodes.addEventHandler(ClusterInformers.onChange(node -> loop.request()));
    informers.claims.addEventHandler(ClusterInformers.onChange(claim -> loop.request()));
  }

  void start() {
    loop.every(RESCAN, loop::request);
  }

  private void schedulePending() {
    List<Pod> allPods = informers.pods.getStore().list();
    forgetConfirmedAssumptions(allPods);
    Map<String, List<Pod>> podsByNode = podsByNode(allPods);
    List<Node> nodes = informers.nodes.getStore().list();
    allPods.stream()
        .filter(MiniScheduler::waitsForScheduling)
        .filter(pod -> !assumed.containsKey(pod.getMetadata().getUid()))
        .sorted(Comparator.comparing(pod -> pod.getMetadata().getCreationTimestamp()))
        .forEach(pod -> schedule(pod, nodes, podsByNode));
  }

  private void schedule(Pod pod, List<Node> nodes, Map<String, List<Pod>> podsByNode) {
    String namespace = pod.getMetadata().getNamespace();
    List<PersistentVolumeClaim> claims = new ArrayList<>();
    for (String name : Volumes.claimNames(pod)) {
      Optional<PersistentVolumeClaim> claim = informers.claim(namespace, name);
      boolean bound = claim.map(pvc -> pvc.getStatus() != null && "Bound".equals(pvc.getStatus().getPhase()))
          .orElse(false);
      if (!bound && !claim.map(MiniScheduler::bindsOnFirstConsumer).orElse(false)) {
        markUnschedulable(pod, "0/" + nodes.size() + " nodes are available: " + nodes.size()
            + " pod has unbound immediate PersistentVolumeClaims.");
        return;
      }
      claims.add(claim.get());
    }
    List<PersistentVolume> volumes = claims.stream()
        .filter(pvc -> pvc.getSpec().getVolumeName() != null && !pvc.getSpec().getVolumeName().isEmpty())
        .map(pvc -> informers.volume(pvc.getSpec().getVolumeName()))
        .flatMap(Optional::stream).toList();
    Instant now = Instant.now();
    Map<String, Integer> reasons = new TreeMap<>();
    Node best = null;
    for (Node node : nodes) {
      String name = node.getMetadata().getName();
      List<Pod> onNode = podsByNode.getOrDefault(name, List.of());
      boolean healthy = NodeHealth.isHealthy(node, informers.lease(name), now);
      Optional<String> reason = NodeFit.check(pod, node, healthy, onNode);
      if (reason.isEmpty() && volumes.stream().anyMatch(pv -> !NodeFit.matchesVolumeAffinity(pv, node))) {
        reason = Optional.of(NodeFit.VOLUME_AFFINITY);
      }
      if (reason.isPresent()) {
        reasons.merge(reason.get(), 1, Integer::sum);
      } else if (best == null
          || onNode.size() < podsByNode.getOrDefault(best.getMetadata().getName(), List.of()).size()) {
        best = node;
      }
    }
    if (best == null) {
      String detail = reasons.entrySet().stream()
          .map(e -> e.getValue() + " " + e.getKey())
          .sorted()
          .collect(Collectors.joining(", "));
      markUnschedulable(pod, "0/" + nodes.size() + " nodes are available" + (detail.isEmpty() ? "" : ": " + detail) + ".");
      return;
    }
    List<PersistentVolumeClaim> waiting = claims.stream()
        .filter(pvc -> pvc.getStatus() == null || !"Bound".equals(pvc.getStatus().getPhase())).toList();
    if (!waiting.isEmpty()) {
      // Delayed binding: the provisioner makes the volume on the chosen node; the pod is bound once it is.
      String node = best.getMetadata().getName();
      waiting.forEach(pvc -> selectNode(pvc, node));
      return;
    }
    bind(pod, best.getMetadata().getName(), podsByNode);
  }

  private static boolean bindsOnFirstConsumer(PersistentVolumeClaim claim) {
    return Volumes.NODE_LOCAL_CLASS.equals(claim.getSpec().getStorageClassName());
  }

  private void selectNode(PersistentVolumeClaim claim, String node) {
    var annotations = claim.getMetadata().getAnnotations();
    if (annotations != null && annotations.containsKey(Volumes.SELECTED_NODE)) {
      return;
    }
    try {
      client.persistentVolumeClaims().inNamespace(claim.getMetadata().getNamespace())
          .withName(claim.getMetadata().getName()).edit(latest -> {
            var next = new java.util.HashMap<>(Objects.requireNonNullElse(latest.getMetadata().getAnnotations(),
                Map.<String, String>of()));
            next.putIfAbsent(Volumes.SELECTED_NODE, node);
            latest.getMetadata().setAnnotations(next);
            return latest;
          });
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
  }

  private void bind(Pod pod, String nodeName, Map<String, List<Pod>> podsByNode) {
    var binding = new BindingBuilder()
        .withNewMetadata()
          .withName(pod.getMetadata().getName())
          .withNamespace(pod.getMetadata().getNamespace())
          .withUid(pod.getMetadata().getUid())
        .endMetadata()
        .withNewTarget().withKind("Node").withApiVersion("v1").withName(nodeName).endTarget()
        .build();
    try {
      client.bindings().inNamespace(pod.getMetadata().getNamespace()).resource(binding).create();
      assumed.put(pod.getMetadata().getUid(), nodeName);
      podsByNode.computeIfAbsent(nodeName, n -> new ArrayList<>()).add(pod);
      LOG.debug("bound {} to {}", Pods.key(pod), nodeName);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404 && e.getCode() != 409) {
        throw e;
      }
      // gone or bound meanwhile: the informer will tell
    }
  }

  private void markUnschedulable(Pod pod, String message) {
    PodCondition current = scheduledCondition(pod);
    if (current != null && "False".equals(current.getStatus()) && "Unschedulable".equals(current.getReason())
        && message.equals(current.getMessage())) {
      return;
    }
    PodCondition condition = Pods.condition("PodScheduled", "False", "Unschedulable");
    condition.setMessage(message);
    try {
      client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
          .editStatus(latest -> {
            var status = latest.getStatus();
            status.setPhase("Pending");
            List<PodCondition> conditions = new ArrayList<>(Objects.requireNonNullElse(status.getConditions(), List.of()));
            conditions.removeIf(c -> "PodScheduled".equals(c.getType()));
            conditions.add(condition);
            status.setConditions(conditions);
            return latest;
          });
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
  }

  private static PodCondition scheduledCondition(Pod pod) {
    if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
      return null;
    }
    return pod.getStatus().getConditions().stream()
        .filter(c -> "PodScheduled".equals(c.getType())).findFirst().orElse(null);
  }

  static boolean waitsForScheduling(Pod pod) {
    String schedulerName = pod.getSpec().getSchedulerName();
    return (pod.getSpec().getNodeName() == null || pod.getSpec().getNodeName().isEmpty())
        && (schedulerName == null || schedulerName.isEmpty() || "default-scheduler".equals(schedulerName))
        && !Pods.isDeleting(pod) && !Pods.isTerminal(pod);
  }

  private Map<String, List<Pod>> podsByNode(List<Pod> pods) {
    Map<String, List<Pod>> byNode = new HashMap<>();
    for (Pod pod : pods) {
      String node = pod.getSpec().getNodeName();
      if (node == null || node.isEmpty()) {
        node = assumed.get(pod.getMetadata().getUid());
      }
      if (node != null && !Pods.isTerminal(pod)) {
        byNode.computeIfAbsent(node, n -> new ArrayList<>()).add(pod);
      }
    }
    return byNode;
  }

  private void forgetConfirmedAssumptions(List<Pod> pods) {
    Map<String, Pod> byUid = pods.stream().collect(Collectors.toMap(p -> p.getMetadata().getUid(), p -> p, (a, b) -> a));
    assumed.keySet().removeIf(uid -> {
      Pod pod = byUid.get(uid);
      return pod == null || !waitsForScheduling(pod);
    });
  }

  @Override
  public void close() {
    loop.close();
  }
}
