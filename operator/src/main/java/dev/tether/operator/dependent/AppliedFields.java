package dev.tether.operator.dependent;

import dev.tether.api.v1alpha1.AgentSession;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.Map;
import java.util.Objects;

/**
 * Whether a cached Service or PodDisruptionBudget still carries what the operator applies to it, compared field
 * by field. JOSDK's server-side-apply matcher would read the object's managedFields instead, which are half of
 * each cached object; with this comparison the caches drop them ({@code LeanItemStore}). The writes themselves
 * stay server-side applies.
 */
final class AppliedFields {
  private AppliedFields() {}

  /** The desired labels are all there, and the session owns the object. */
  static boolean metadataMatches(HasMetadata actual, HasMetadata desired, AgentSession owner) {
    boolean labelled = contains(actual.getMetadata().getLabels(), desired.getMetadata().getLabels());
    String uid = owner.getMetadata().getUid();
    boolean owned = actual.getMetadata().getOwnerReferences() != null && actual.getMetadata().getOwnerReferences()
        .stream().anyMatch(ref -> Objects.equals(ref.getUid(), uid));
    return labelled && owned;
  }

  /**
   * Every entry the operator applies is there. Entries others added stay theirs under server-side apply, so
   * asking for equality would apply again and again without ever changing them.
   */
  static boolean contains(Map<String, String> actual, Map<String, String> applied) {
    Map<String, String> have = actual == null ? Map.of() : actual;
    return applied == null || applied.entrySet().stream().allMatch(e -> Objects.equals(have.get(e.getKey()), e.getValue()));
  }
}
