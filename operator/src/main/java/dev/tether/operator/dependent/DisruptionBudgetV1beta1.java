package dev.tether.operator.dependent;

import dev.tether.api.v1alpha1.AgentSession;
import io.fabric8.kubernetes.api.model.policy.v1beta1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1beta1.PodDisruptionBudgetBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import dev.tether.operator.support.LeanItemStore;
import io.javaoperatorsdk.operator.processing.dependent.Matcher;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/** The session's PodDisruptionBudget as policy/v1beta1; see {@link DisruptionBudgets}. */
@KubernetesDependent(createResourceOnlyIfNotExistingWithSSA = false,
    informer = @Informer(labelSelector = SessionLabels.SELECTOR, itemStore = LeanItemStore.class))
public class DisruptionBudgetV1beta1 extends CRUDKubernetesDependentResource<PodDisruptionBudget, AgentSession> {

  public DisruptionBudgetV1beta1() {
    super(PodDisruptionBudget.class);
  }

  @Override
  protected PodDisruptionBudget desired(AgentSession session, Context<AgentSession> context) {
    return new PodDisruptionBudgetBuilder()
        .withMetadata(DisruptionBudgets.metadata(session))
        .withNewSpec()
          .withMaxUnavailable(DisruptionBudgets.none())
          .withSelector(DisruptionBudgets.selector(session))
        .endSpec()
        .build();
  }

  /** Compared field by field: the cache keeps no managedFields (see {@link AppliedFields}). */
  @Override
  public Matcher.Result<PodDisruptionBudget> match(PodDisruptionBudget actual, PodDisruptionBudget desired,
      AgentSession session, Context<AgentSession> context) {
    boolean matches = AppliedFields.metadataMatches(actual, desired, session) && actual.getSpec() != null
        && DisruptionBudgets.specMatches(actual.getSpec().getMaxUnavailable(), actual.getSpec().getSelector(),
            desired.getSpec().getMaxUnavailable(), desired.getSpec().getSelector());
    return Matcher.Result.computed(matches, desired);
  }
}
