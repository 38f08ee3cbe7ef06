package dev.tether.operator.dependent;

import dev.tether.api.Tether;
import dev.tether.api.v1alpha1.AgentSession;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import dev.tether.operator.support.LeanItemStore;
import io.javaoperatorsdk.operator.processing.dependent.Matcher;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import java.util.Map;
import java.util.Objects;

/**
 * A headless Service that gives the session a stable DNS name across incarnations
 * ({@code <session>.<session>.<namespace>.svc}: the pod's hostname and subdomain are set to it).
 */
// createResourceOnlyIfNotExistingWithSSA sends a resourceVersion that apiservers before 1.22 reject (500).
@KubernetesDependent(createResourceOnlyIfNotExistingWithSSA = false,
    informer = @Informer(labelSelector = SessionLabels.SELECTOR, itemStore = LeanItemStore.class))
public class SessionService extends CRUDKubernetesDependentResource<Service, AgentSession> {

  public SessionService() {
    super(Service.class);
  }

  @Override
  protected Service desired(AgentSession session, Context<AgentSession> context) {
    return new ServiceBuilder()
        .withNewMetadata()
          .withName(SessionLabels.serviceName(session))
          .withNamespace(session.getMetadata().getNamespace())
          .withLabels(SessionLabels.of(session))
        .endMetadata()
        .withNewSpec()
          .withClusterIP("None")
          .withPublishNotReadyAddresses(true)
          .withSelector(Map.of(Tether.LABEL_SESSION, session.getMetadata().getName()))
        .endSpec()
        .build();
  }

  /** Compared field by field: the cache keeps no managedFields (see {@link AppliedFields}). */
  @Override
  public Matcher.Result<Service> match(Service actual, Service desired, AgentSession session,
      Context<AgentSession> context) {
    var have = actual.getSpec();
    var want = desired.getSpec();
    boolean matches = AppliedFields.metadataMatches(actual, desired, session) && have != null
        && Objects.equals(have.getClusterIP(), want.getClusterIP())
        && Objects.equals(have.getPublishNotReadyAddresses(), want.getPublishNotReadyAddresses())
        && AppliedFields.contains(have.getSelector(), want.getSelector());
    return Matcher.Result.computed(matches, desired);
  }
}
