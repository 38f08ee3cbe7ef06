package dev.tether.operator.dependent;

import dev.tether.api.Tether;
import dev.tether.api.v1alpha1.AgentSession;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The names a session's Service, PodDisruptionBudget and volume claim take are derived from the session's
 * name, so a user who may only create sessions could otherwise name one after somebody else's Service, PDB or
 * PVC and have the operator apply over it, then delete it with the session. An object of such a name is the
 * session's only when it carries the session's labels and no owner but this session (an unowned one is a
 * volume retained by an earlier session of that name, which this one adopts). Anything else is reported,
 * and the operator neither writes nor deletes it.
 */
public final class NameClaims {
  private final KubernetesClient client;

  public NameClaims(KubernetesClient client) {
    this.client = client;
  }

  /**
   * Why the session cannot have its objects, or empty. An object in the dependents' caches that this session
   * owns costs nothing; only a miss (before the objects are created) asks the apiserver.
   */
  public Optional<String> conflict(AgentSession session, Context<AgentSession> context) {
    String ns = session.getMetadata().getNamespace();
    List<Claim> claims = new ArrayList<>();
    claims.add(new Claim("Service", Service.class, SessionLabels.serviceName(session), client.services().inNamespace(ns)
        .withName(SessionLabels.serviceName(session))));
    claims.add(new Claim("PersistentVolumeClaim", PersistentVolumeClaim.class, SessionLabels.claimName(session),
        client.persistentVolumeClaims()
        .inNamespace(ns).withName(SessionLabels.claimName(session))));
    if (DisruptionBudgets.policyV1Served(client)) {
      claims.add(new Claim("PodDisruptionBudget", io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget.class,
          DisruptionBudgets.name(session),
          client.policy().v1().podDisruptionBudget().inNamespace(ns).withName(DisruptionBudgets.name(session))));
    } else {
      claims.add(new Claim("PodDisruptionBudget",
          io.fabric8.kubernetes.api.model.policy.v1beta1.PodDisruptionBudget.class, DisruptionBudgets.name(session),
          client.policy().v1beta1().podDisruptionBudget().inNamespace(ns).withName(DisruptionBudgets.name(session))));
    }
    for (Claim claim : claims) {
      // By name: a session may have a second claim while a replaced volume is being deleted.
      Optional<? extends HasMetadata> cached = context.getSecondaryResources(claim.type()).stream()
          .filter(o -> claim.name().equals(o.getMetadata().getName())).findFirst();
      if (cached.isPresent() && ownedBy(cached.get(), session)) {
        continue;
      }
      // Cached objects are found by the session's name and namespace, so one may still be an earlier
      // same-name session's; anything else is read live (the caches hold only labelled objects).
      HasMetadata live = cached.isPresent() ? cached.get() : claim.resource().get();
      if (live == null) {
        continue;
      }
      if (!isOurs(live, session)) {
        return Optional.of("a " + claim.kind() + " named " + live.getMetadata().getName() + " already exists in "
            + "namespace " + ns + " and does not belong to this session: rename the session, or remove that "
            + claim.kind() + " if it is a leftover");
      }
      if (live.getMetadata().getOwnerReferences() == null || live.getMetadata().getOwnerReferences().isEmpty()) {
        adopt(claim.resource(), session);
      }
    }
    return Optional.empty();
  }

  /** Deletes the object only if it is the session's. */
  public void deleteIfOurs(Resource<? extends HasMetadata> resource, AgentSession session) {
    HasMetadata live = resource.get();
    if (live != null && isOurs(live, session)) {
      resource.delete();
    }
  }

  /** Removes this session's owner reference, so that garbage collection leaves the object be; others' stay. */
  public void release(Resource<? extends HasMetadata> resource, AgentSession session) {
    HasMetadata live = resource.get();
    if (live == null || !isOurs(live, session) || !ownedBy(live, session)) {
      return;
    }
    resource.edit(o -> {
      o.getMetadata().getOwnerReferences().removeIf(ref -> session.getMetadata().getUid().equals(ref.getUid()));
      return o;
    });
  }

  /** Labelled as this session's, and owned by it or by nobody. */
  public static boolean isOurs(HasMetadata object, AgentSession session) {
    Map<String, String> labels = object.getMetadata().getLabels();
    boolean labelled = labels != null && Tether.MANAGER.equals(labels.get(Tether.LABEL_MANAGED_BY))
        && session.getMetadata().getName().equals(labels.get(Tether.LABEL_SESSION));
    List<OwnerReference> owners = object.getMetadata().getOwnerReferences();
    return labelled && (owners == null || owners.isEmpty() || ownedBy(object, session));
  }

  private static boolean ownedBy(HasMetadata object, AgentSession session) {
    List<OwnerReference> owners = object.getMetadata().getOwnerReferences();
    return owners != null && owners.stream().anyMatch(ref -> session.getMetadata().getUid().equals(ref.getUid()));
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static void adopt(Resource resource, AgentSession session) {
    OwnerReference owner = new OwnerReferenceBuilder().withApiVersion(session.getApiVersion())
        .withKind(session.getKind()).withName(session.getMetadata().getName())
        .withUid(session.getMetadata().getUid()).withController(true).withBlockOwnerDeletion(true).build();
    resource.edit(o -> {
      HasMetadata object = (HasMetadata) o;
      List<OwnerReference> owners = new ArrayList<>(object.getMetadata().getOwnerReferences() == null ? List.of()
          : object.getMetadata().getOwnerReferences());
      owners.add(owner);
      object.getMetadata().setOwnerReferences(owners);
      return object;
    });
  }

  private record Claim(String kind, Class<? extends HasMetadata> type, String name,
                       Resource<? extends HasMetadata> resource) {}
}
