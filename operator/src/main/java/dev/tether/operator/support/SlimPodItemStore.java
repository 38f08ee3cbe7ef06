package dev.tether.operator.support;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import java.util.List;

/**
 * The cache of session pods, keeping of each pod's spec only what the operator reads (see {@code PodView}): the
 * node, the restart policy and the containers' names. Env, volumes, probes, resources and security contexts are
 * most of a pod and are never read back: the operator creates pods from the session's template and compares
 * them by the template hash annotation. Metadata and status are kept whole, managedFields aside.
 */
public class SlimPodItemStore extends LeanItemStore<Pod> {

  @Override
  public Pod put(String key, Pod pod) {
    if (pod != null && pod.getSpec() != null) {
      pod.setSpec(slim(pod.getSpec()));
    }
    return super.put(key, pod);
  }

  static PodSpec slim(PodSpec spec) {
    return new PodSpecBuilder()
        .withNodeName(spec.getNodeName())
        .withRestartPolicy(spec.getRestartPolicy())
        .withContainers(names(spec.getContainers()))
        .withInitContainers(names(spec.getInitContainers()))
        .build();
  }

  private static List<Container> names(List<Container> containers) {
    return containers == null ? null
        : containers.stream().map(c -> new ContainerBuilder().withName(c.getName()).build()).toList();
  }
}
