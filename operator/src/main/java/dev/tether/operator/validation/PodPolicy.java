package dev.tether.operator.validation;

import io.fabric8.kubernetes.api.model.PodSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the admin lets a tenant's pod template do (chart values {@code podSecurity} and
 * {@code sessionServiceAccounts}). The operator creates session pods with its own rights, so a tenant who may
 * create AgentSessions but not pods must not get more through it: no host access beyond the baseline Pod Security
 * Standard, and only the ServiceAccounts the admin names.
 *
 * @param baseline whether templates must keep to the baseline level ({@link PodSecurityBaseline})
 * @param serviceAccounts the ServiceAccounts a template may name (a template that names none runs as
 *     {@code default}); {@value #ANY} allows every one
 */
public record PodPolicy(boolean baseline, List<String> serviceAccounts) {
  public static final String ANY = "*";
  public static final PodPolicy DEFAULT = new PodPolicy(true, List.of("default"));

  public PodPolicy {
    serviceAccounts = List.copyOf(serviceAccounts);
  }

  /** Baseline as given, any ServiceAccount. */
  public static PodPolicy baselineOnly(boolean baseline) {
    return new PodPolicy(baseline, List.of(ANY));
  }

  /** {@code TETHER_POD_SECURITY} (baseline, privileged) and {@code TETHER_SESSION_SERVICE_ACCOUNTS}. */
  public static PodPolicy fromEnv(Map<String, String> env) {
    String level = env.getOrDefault("TETHER_POD_SECURITY", "baseline");
    boolean baseline = switch (level.trim().toLowerCase(Locale.ROOT)) {
      case "baseline" -> true;
      case "privileged" -> false;
      default -> throw new IllegalArgumentException("TETHER_POD_SECURITY must be baseline or privileged, not '"
          + level + "'");
    };
    List<String> accounts = Arrays.stream(env.getOrDefault("TETHER_SESSION_SERVICE_ACCOUNTS", "default").split(","))
        .map(String::trim).filter(s -> !s.isEmpty()).toList();
    return new PodPolicy(baseline, accounts);
  }

  public List<String> violations(PodSpec pod) {
    List<String> problems = new ArrayList<>();
    if (baseline) {
      problems.addAll(PodSecurityBaseline.violations(pod));
    }
    String account = pod.getServiceAccountName() != null && !pod.getServiceAccountName().isBlank()
        ? pod.getServiceAccountName() : pod.getServiceAccount();
    if (account != null && !account.isBlank() && !serviceAccounts.contains(ANY) && !serviceAccounts.contains(account)) {
      problems.add("spec.template.spec.serviceAccountName '" + account + "' is not one the admin allows for "
          + "sessions (" + (serviceAccounts.isEmpty() ? "none" : String.join(", ", serviceAccounts))
          + "; chart value sessionServiceAccounts)");
    }
    return problems;
  }
}
