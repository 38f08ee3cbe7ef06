package dev.tether.install;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.authorization.v1.ResourceAttributesBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.awaitility.Awaitility;

/**
 * The RBAC objects a rendered chart grants its ServiceAccount, applied to a cluster, and a client that acts as
 * that ServiceAccount (by impersonation). Code run with that client gets exactly the chart's permissions: a
 * rule the operator needs but the chart lacks shows up as a 403.
 */
public final class RenderedRbac {
  private static final Duration EFFECTIVE_TIMEOUT = Duration.ofSeconds(30);

  private final List<HasMetadata> objects;
  private final String serviceAccountNamespace;
  private final String serviceAccountName;

  private RenderedRbac(List<HasMetadata> objects, String serviceAccountNamespace, String serviceAccountName) {
    this.objects = List.copyOf(objects);
    this.serviceAccountNamespace = serviceAccountNamespace;
    this.serviceAccountName = serviceAccountName;
  }

  /** The ServiceAccount, Roles, ClusterRoles and their bindings of a rendered chart. */
  public static RenderedRbac of(RenderedChart chart) {
    Deployment operator = chart.one(Deployment.class);
    String namespace = operator.getMetadata().getNamespace();
    String name = operator.getSpec().getTemplate().getSpec().getServiceAccountName();
    List<HasMetadata> rbac = chart.objects().stream()
        .filter(o -> o instanceof ServiceAccount || o instanceof Role || o instanceof RoleBinding
            || o instanceof ClusterRole || o instanceof ClusterRoleBinding)
        .toList();
    return new RenderedRbac(rbac, namespace, name);
  }

  /** The same objects with every rule matching {@code drop} removed from every Role and ClusterRole. */
  public RenderedRbac withoutRules(Predicate<PolicyRule> drop) {
    List<HasMetadata> trimmed = objects.stream().map(o -> {
      if (o instanceof Role role) {
        return (HasMetadata) new RoleBuilder(role)
            .withRules(keep(role.getRules(), drop)).build();
      }
      if (o instanceof ClusterRole role) {
        return new ClusterRoleBuilder(role)
            .withRules(keep(role.getRules(), drop)).build();
      }
      return o;
    }).toList();
    return new RenderedRbac(trimmed, serviceAccountNamespace, serviceAccountName);
  }

  private static List<PolicyRule> keep(List<PolicyRule> rules, Predicate<PolicyRule> drop) {
    return rules.stream().filter(drop.negate()).toList();
  }

  /** Matches rules that name this resource (e.g. "pods", "agentsessions/status") in this API group. */
  public static Predicate<PolicyRule> grantsOn(String apiGroup, String resource) {
    return rule -> rule.getApiGroups().contains(apiGroup) && rule.getResources().contains(resource);
  }

  public List<HasMetadata> objects() {
    return objects;
  }

  public String serviceAccountNamespace() {
    return serviceAccountNamespace;
  }

  public String serviceAccountName() {
    return serviceAccountName;
  }

  /** The user name the apiserver gives the ServiceAccount's token. */
  public String username() {
    return "system:serviceaccount:" + serviceAccountNamespace + ":" + serviceAccountName;
  }

  /** The groups the apiserver puts every ServiceAccount token in. */
  public List<String> groups() {
    return List.of("system:serviceaccounts", "system:serviceaccounts:" + serviceAccountNamespace,
        "system:authenticated");
  }

  /**
   * Creates any missing namespace the objects live in, applies the objects (server-side apply) and waits
   * until the authorizer honours every binding. Then returns a new client, to be closed by the caller, that
   * impersonates the ServiceAccount.
   */
  public KubernetesClient applyAndImpersonate(KubernetesClient admin) {
    namespaces().forEach(ns -> {
      if (admin.namespaces().withName(ns).get() == null) {
        admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
            .create();
      }
    });
    objects.forEach(o -> admin.resource(o).forceConflicts().serverSideApply());
    Awaitility.await("RBAC of " + username() + " in effect")
        .atMost(EFFECTIVE_TIMEOUT)
        .pollInterval(Duration.ofMillis(100))
        .until(() -> effectiveProbes().allMatch(review -> allowed(admin, review)));
    return impersonating(admin.getConfiguration());
  }

  /** A client with the admin's connection and credentials, acting as the ServiceAccount. */
  public KubernetesClient impersonating(Config admin) {
    Config config = new ConfigBuilder(admin).build();
    config.setImpersonateUsername(username());
    config.setImpersonateGroups(groups().toArray(String[]::new));
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  /** Deletes the applied objects (not the namespaces). */
  public void delete(KubernetesClient admin) {
    objects.forEach(o -> admin.resource(o).delete());
  }

  private Set<String> namespaces() {
    Set<String> namespaces = new LinkedHashSet<>();
    namespaces.add(serviceAccountNamespace);
    objects.stream().map(o -> o.getMetadata().getNamespace()).filter(Objects::nonNull).forEach(namespaces::add);
    return namespaces;
  }

  /**
   * One access review per binding: the first rule of the role it binds. Roles are created, never updated
   * here, so once a binding's first rule is honoured the authorizer sees the role as applied.
   */
  private Stream<SubjectAccessReview> effectiveProbes() {
    List<SubjectAccessReview> reviews = new ArrayList<>();
    for (HasMetadata o : objects) {
      if (o instanceof RoleBinding binding) {
        firstRule(binding.getRoleRef(), binding.getMetadata().getNamespace())
            .ifPresent(rule -> reviews.add(review(rule, binding.getMetadata().getNamespace())));
      } else if (o instanceof ClusterRoleBinding binding) {
        firstRule(binding.getRoleRef(), null).ifPresent(rule -> reviews.add(review(rule, null)));
      }
    }
    return reviews.stream();
  }

  private Optional<PolicyRule> firstRule(RoleRef ref, String namespace) {
    return objects.stream()
        .filter(o -> o.getKind().equals(ref.getKind()) && o.getMetadata().getName().equals(ref.getName())
            && ("ClusterRole".equals(ref.getKind()) || Objects.equals(namespace, o.getMetadata().getNamespace())))
        .flatMap(o -> o instanceof Role r ? r.getRules().stream() : ((ClusterRole) o).getRules().stream())
        .findFirst();
  }

  private SubjectAccessReview review(PolicyRule rule, String namespace) {
    String[] resource = rule.getResources().get(0).split("/", 2);
    var attributes = new ResourceAttributesBuilder()
        .withGroup(rule.getApiGroups().get(0))
        .withResource(resource[0])
        .withSubresource(resource.length > 1 ? resource[1] : null)
        .withVerb(rule.getVerbs().get(0))
        .withNamespace(namespace)
        .withName(rule.getResourceNames() == null || rule.getResourceNames().isEmpty()
            ? null : rule.getResourceNames().get(0))
        .build();
    return new SubjectAccessReviewBuilder()
        .withNewSpec()
        .withUser(username())
        .withGroups(groups())
        .withResourceAttributes(attributes)
        .endSpec()
        .build();
  }

  private static boolean allowed(KubernetesClient admin, SubjectAccessReview review) {
    SubjectAccessReview answer = admin.authorization().v1().subjectAccessReview().create(review);
    return answer.getStatus() != null && Boolean.TRUE.equals(answer.getStatus().getAllowed());
  }
}
