package dev.tether.operator.dependent;

import dev.tether.api.Tether;
import dev.tether.api.v1alpha1.AgentSession;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A PodDisruptionBudget per session (maxUnavailable 0): an eviction, e.g. by {@code kubectl drain}, is
 * refused, so the session is never killed without a final checkpoint; the operator moves it itself when
 * the node is cordoned. {@code policy/v1} where the cluster serves it, {@code policy/v1beta1} before 1.21.
 */
public final class DisruptionBudgets {
  private static final Map<KubernetesClient, Boolean> POLICY_V1 = new ConcurrentHashMap<>();

  private DisruptionBudgets() {}

  public static String name(AgentSession session) {
    return session.getMetadata().getName();
  }

  static ObjectMeta metadata(AgentSession session) {
    return new ObjectMetaBuilder()
        .withName(name(session))
        .withNamespace(session.getMetadata().getNamespace())
        .withLabels(SessionLabels.of(session))
        .build();
  }

  static io.fabric8.kubernetes.api.model.LabelSelector selector(AgentSession session) {
    return new LabelSelectorBuilder()
        .withMatchLabels(Map.of(Tether.LABEL_SESSION, session.getMetadata().getName()))
        .build();
  }

  /** The budget's spec as the operator applies it, in either API version (see {@link AppliedFields}). */
  static boolean specMatches(IntOrString maxUnavailable, io.fabric8.kubernetes.api.model.LabelSelector selector,
      IntOrString desiredMaxUnavailable, io.fabric8.kubernetes.api.model.LabelSelector desiredSelector) {
    return java.util.Objects.equals(maxUnavailable, desiredMaxUnavailable) && selector != null
        && AppliedFields.contains(selector.getMatchLabels(), desiredSelector.getMatchLabels());
  }

  static IntOrString none() {
    return new IntOrString(0);
  }

  public static boolean policyV1Served(KubernetesClient client) {
    return POLICY_V1.computeIfAbsent(client, c -> c.supports("policy/v1", "PodDisruptionBudget"));
  }

  /** Activation: policy/v1 is served. */
  public static final class V1Served implements Condition<Object, AgentSession> {
    @Override
    public boolean isMet(DependentResource<Object, AgentSession> dependent, AgentSession primary,
        Context<AgentSession> context) {
      return policyV1Served(context.getClient());
    }
  }

  /** Activation: only policy/v1beta1 is served (Kubernetes before 1.21). */
  public static final class OnlyV1beta1Served implements Condition<Object, AgentSession> {
    @Override
    public boolean isMet(DependentResource<Object, AgentSession> dependent, AgentSession primary,
        Context<AgentSession> context) {
      return !policyV1Served(context.getClient());
    }
  }
}
