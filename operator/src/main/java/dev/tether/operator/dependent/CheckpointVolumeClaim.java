package dev.tether.operator.dependent;

import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.CheckpointSpec;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.GarbageCollected;
import io.javaoperatorsdk.operator.processing.dependent.Creator;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResource;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import dev.tether.operator.support.LeanItemStore;
import java.util.Map;

/**
 * The checkpoint volume. Created once and never updated (so never matched, and its cache keeps no managedFields): a PVC's spec is immutable but for expansion, and
 * a rejected update must not turn a spec edit into a reconcile error loop. On deletion the reclaim policy
 * decides (see {@code SessionCleanup}).
 */
// createResourceOnlyIfNotExistingWithSSA sends a resourceVersion that apiservers before 1.22 reject (500).
@KubernetesDependent(createResourceOnlyIfNotExistingWithSSA = false,
    informer = @Informer(labelSelector = SessionLabels.SELECTOR, itemStore = LeanItemStore.class))
public class CheckpointVolumeClaim extends KubernetesDependentResource<PersistentVolumeClaim, AgentSession>
    implements Creator<PersistentVolumeClaim, AgentSession>, GarbageCollected<AgentSession> {

  public CheckpointVolumeClaim() {
    super(PersistentVolumeClaim.class);
  }

  @Override
  protected PersistentVolumeClaim desired(AgentSession session, Context<AgentSession> context) {
    return claim(session, SessionLabels.claimName(session));
  }

  /** The claim as the session's spec asks for it, under {@code name}, without an owner yet. */
  public static PersistentVolumeClaim claim(AgentSession session, String name) {
    CheckpointSpec checkpoint = session.getSpec().getCheckpoint();
    return new PersistentVolumeClaimBuilder()
        .withNewMetadata()
          .withName(name)
          .withNamespace(session.getMetadata().getNamespace())
          .withLabels(SessionLabels.of(session))
        .endMetadata()
        .withNewSpec()
          .withAccessModes(checkpoint.getAccessMode().name())
          .withStorageClassName(blankToNull(checkpoint.getStorageClassName()))
          .withNewResources().withRequests(Map.of("storage", checkpoint.getSize())).endResources()
        .endSpec()
        .build();
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
