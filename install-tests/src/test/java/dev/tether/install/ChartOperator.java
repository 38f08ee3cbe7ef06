package dev.tether.install;

import dev.tether.operator.OperatorSettings;
import dev.tether.operator.TetherOperator;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.HashMap;
import java.util.Map;

/**
 * The operator as the chart deploys it, run in this JVM: with the settings the chart's Deployment passes in
 * its environment, and a client that has exactly the chart's RBAC (it impersonates the chart's
 * ServiceAccount). Whatever the operator does that the chart does not allow fails as it would in a cluster.
 */
final class ChartOperator implements AutoCloseable {
  private final KubernetesClient client;
  private final TetherOperator operator;

  private ChartOperator(KubernetesClient client, TetherOperator operator) {
    this.client = client;
    this.operator = operator;
  }

  /** Applies the RBAC and starts the operator with it; what {@link TetherOperator#start} throws is passed on. */
  static ChartOperator start(KubernetesClient admin, RenderedRbac rbac, OperatorSettings settings) {
    KubernetesClient client = rbac.applyAndImpersonate(admin);
    try {
      return new ChartOperator(client, TetherOperator.start(client, settings));
    } catch (RuntimeException e) {
      client.close();
      throw e;
    }
  }

  /**
   * The environment the chart's Deployment gives the operator container, which {@link OperatorSettings#fromEnv}
   * reads. The downward API fields are filled in as the kubelet would: the release namespace and the pod name.
   */
  static Map<String, String> environment(RenderedChart chart, String podName) {
    Deployment deployment = chart.one(Deployment.class);
    Container operator = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
    Map<String, String> env = new HashMap<>();
    for (EnvVar var : operator.getEnv()) {
      if (var.getValue() != null) {
        env.put(var.getName(), var.getValue());
      } else if (var.getValueFrom() != null && var.getValueFrom().getFieldRef() != null) {
        switch (var.getValueFrom().getFieldRef().getFieldPath()) {
          case "metadata.namespace" -> env.put(var.getName(), deployment.getMetadata().getNamespace());
          case "metadata.name" -> env.put(var.getName(), podName);
          default -> throw new IllegalStateException("unexpected downward API field in " + var);
        }
      }
    }
    return env;
  }

  /** The client the operator runs with. */
  KubernetesClient client() {
    return client;
  }

  TetherOperator operator() {
    return operator;
  }

  @Override
  public void close() {
    operator.close();
    client.close();
  }
}
