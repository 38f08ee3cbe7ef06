package dev.tether.install;

import dev.tether.api.v1alpha1.AgentSession;
import io.fabric8.kubernetes.client.KubernetesClient;

/** A cluster with a Tether operator running, where the core scenarios create and watch sessions. */
interface SessionCluster {

  /** A client that may create sessions and read everything the scenarios check. */
  KubernetesClient admin();

  /** A session this cluster can run: an agent image its nodes can start, on nodes it can schedule to. */
  AgentSession session(String namespace, String name);
}
